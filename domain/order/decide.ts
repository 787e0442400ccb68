import { feeScheduleProblem } from '../fees/index.ts';
import {
  accept,
  addMillis,
  assertNever,
  isBefore,
  isCurrencyCode,
  isInstant,
  isMinorUnits,
  isPositiveQuantity,
  refuse,
} from '../shared/index.ts';
import type { Decision, Instant, Money } from '../shared/index.ts';
import type {
  AcceptCancellation,
  AutoCompleteOrder,
  CancelBySeller,
  ConfirmReceipt,
  ConfirmStockReserved,
  DeclineCancellation,
  ExpireOrder,
  MarkDelivered,
  OrderCommand,
  PlaceOrder,
  RecordPaymentCaptured,
  RecordRefunded,
  RecordReturnReceived,
  RejectOrder,
  RequestCancellation,
  RequestReturn,
  ShipOrder,
} from './commands.ts';
import { SYSTEM_ACTOR } from './commands.ts';
import type { OrderEvent, OrderLine, OrderPlaced } from './events.ts';
import type { OrderDetails, OrderState } from './state.ts';
import { detailsOf } from './state.ts';

export const ORDER_ERROR_CODES = [
  'INVALID_INSTANT',
  'INVALID_CURRENCY',
  'INVALID_AMOUNT',
  'INVALID_QUANTITY',
  'INVALID_LINE',
  'INVALID_DEADLINE',
  'INVALID_WINDOW',
  'INVALID_FEE_SCHEDULE',
  'FEE_CURRENCY_MISMATCH',
  'NO_LINES',
  'MIXED_SELLERS',
  'MIXED_CURRENCIES',
  'BUYER_IS_SELLER',
  'ORDER_ALREADY_EXISTS',
  'ORDER_NOT_FOUND',
  'ORDER_ID_MISMATCH',
  'NOT_ORDER_BUYER',
  'NOT_ORDER_SELLER',
  'ORDER_NOT_PLACED',
  'ORDER_NOT_PAYABLE',
  'PAYMENT_AMOUNT_MISMATCH',
  'ORDER_NOT_AWAITING_PAYMENT',
  'PAYMENT_DEADLINE_NOT_REACHED',
  'ORDER_NOT_SHIPPABLE',
  'CANCELLATION_PENDING',
  'ORDER_NOT_SHIPPED',
  'ORDER_NOT_DELIVERED',
  'RETURN_IN_PROGRESS',
  'COMPLETION_WINDOW_OPEN',
  'ORDER_NOT_CANCELLABLE',
  'CANCELLATION_ALREADY_DECLINED',
  'NO_CANCELLATION_REQUESTED',
  'ANSWER_DEADLINE_NOT_REACHED',
  'RETURN_WINDOW_CLOSED',
  'NO_RETURN_REQUESTED',
  'NO_REFUND_DUE',
  'REFUND_EXCEEDS_DUE',
] as const;

export type OrderErrorCode = (typeof ORDER_ERROR_CODES)[number];

type Result = Decision<OrderEvent, OrderErrorCode>;
type Refusal = Extract<Result, Readonly<{ ok: false }>>;
type Existing = Exclude<OrderState, Readonly<{ status: 'initial' }>>;

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const checkInstant = (at: Instant, field = 'at'): Refusal | null =>
  isInstant(at)
    ? null
    : refuse('INVALID_INSTANT', `${field} must be an ISO-8601 UTC instant, got ${String(at)}`);

/**
 * Completion and return windows are days or weeks. The bound keeps
 * `deliveredAt + window` a date the calendar can hold (a safe-integer window
 * can overshoot it and make the date arithmetic throw) and catches a window
 * sent in the wrong unit.
 */
export const MAX_WINDOW_MILLIS = 10 * 366 * 24 * 60 * 60 * 1000;

const checkWindow = (millis: number): Refusal | null =>
  Number.isSafeInteger(millis) && millis >= 0 && millis <= MAX_WINDOW_MILLIS
    ? null
    : refuse(
        'INVALID_WINDOW',
        `a window must be a whole number of milliseconds from 0 to ${MAX_WINDOW_MILLIS} (ten years), got ${millis}`,
      );

const checkMoney = (amount: Money, currency: string): Refusal | null => {
  if (!isMinorUnits(amount.amount))
    return refuse(
      'INVALID_AMOUNT',
      `amount must be a non-negative integer of minor units, got ${JSON.stringify(amount)}`,
    );
  if (amount.currency !== currency)
    return refuse(
      'PAYMENT_AMOUNT_MISMATCH',
      `currency ${amount.currency} differs from the order's ${currency}`,
    );
  return null;
};

const mustBeBuyer = (order: OrderDetails, by: string): Refusal | null =>
  by === order.buyerId
    ? null
    : refuse('NOT_ORDER_BUYER', `only the buyer of order ${order.orderId} may do this`);

const mustBeSeller = (order: OrderDetails, by: string): Refusal | null =>
  by === order.sellerId
    ? null
    : refuse('NOT_ORDER_SELLER', `only the seller of order ${order.orderId} may do this`);

/** A refusal that names the status the order is in, which is nearly always the reason. */
const refuseInStatus = (code: OrderErrorCode, state: Existing, what: string): Refusal =>
  refuse(code, `order ${state.order.orderId} is ${state.status}: ${what}`);

/**
 * Who asked for the cancellation of a cancelled order, also once its refund is
 * made (`refunded` after `cancelled`); null when the order is not cancelled.
 * A repeated or late cancellation command is then a no-op, whatever came after.
 */
const cancelledOnRequestOf = (state: Existing): 'buyer' | 'seller' | null => {
  if (state.status === 'cancelled') return state.initiatedBy;
  if (state.status === 'refunded' && state.after === 'cancelled') return state.initiatedBy;
  return null;
};

/** A return is requested, received or already refunded: a repeated request changes nothing. */
const returnUnderway = (state: Existing): boolean =>
  state.status === 'return_requested' ||
  state.status === 'return_received' ||
  (state.status === 'refunded' && state.after === 'return_received');

// --- PlaceOrder -------------------------------------------------------------

/** Validates and prices a placement; returns the event it would record. */
export const priceOrder = (data: PlaceOrder['data']): OrderPlaced | Refusal => {
  const { orderId, buyerId, currency, lines, feeSchedule, at } = data;
  if (!nonEmpty(orderId) || !nonEmpty(buyerId))
    return refuse('INVALID_LINE', 'orderId and buyerId are required');
  const badAt = checkInstant(at);
  if (badAt) return badAt;
  if (!isCurrencyCode(currency)) return refuse('INVALID_CURRENCY', `unknown currency ${String(currency)}`);
  const [first] = lines;
  if (first === undefined) return refuse('NO_LINES', 'an order has at least one line');
  const priced: OrderLine[] = [];
  let totalMinor = 0;
  for (const line of lines) {
    if (!nonEmpty(line.listingId) || !nonEmpty(line.sku) || !nonEmpty(line.sellerId))
      return refuse('INVALID_LINE', 'every line names a listing, a SKU and a seller');
    if (!isPositiveQuantity(line.quantity))
      return refuse(
        'INVALID_QUANTITY',
        `quantity must be a positive integer, got ${JSON.stringify(line.quantity)}`,
      );
    if (!isMinorUnits(line.unitPrice.amount))
      return refuse(
        'INVALID_AMOUNT',
        `unit price must be non-negative integer minor units, got ${JSON.stringify(line.unitPrice)}`,
      );
    if (line.unitPrice.currency !== currency)
      return refuse(
        'MIXED_CURRENCIES',
        `line ${line.listingId} is in ${line.unitPrice.currency}, the order in ${currency}`,
      );
    if (line.sellerId !== first.sellerId)
      return refuse(
        'MIXED_SELLERS',
        'all lines of an order come from one seller; split the basket per seller',
      );
    const lineTotalMinor = line.quantity * line.unitPrice.amount;
    totalMinor += lineTotalMinor;
    if (!Number.isSafeInteger(lineTotalMinor) || !Number.isSafeInteger(totalMinor))
      return refuse('INVALID_AMOUNT', 'the order total is too large to represent exactly');
    priced.push({
      listingId: line.listingId,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPrice.amount,
      lineTotalMinor,
    });
  }
  if (totalMinor === 0) return refuse('INVALID_AMOUNT', 'an order total must be positive');
  if (first.sellerId === buyerId) return refuse('BUYER_IS_SELLER', 'a seller cannot buy their own listing');
  const feeProblem = feeScheduleProblem(feeSchedule, currency);
  if (feeProblem !== null)
    return refuse(feeProblem, `fee schedule ${feeSchedule.id} cannot price ${currency}`);
  return {
    type: 'OrderPlaced',
    data: {
      orderId,
      buyerId,
      sellerId: first.sellerId,
      currency,
      lines: priced,
      totalMinor,
      feeSchedule: {
        id: feeSchedule.id,
        rateBasisPoints: feeSchedule.rateBasisPoints,
        fixedMinor: feeSchedule.fixedMinor,
        currency: feeSchedule.currency,
        rounding: feeSchedule.rounding,
      },
      placedAt: at,
    },
  };
};

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Idempotent: placing the very same order again is a no-op; a different one under the same id is refused. */
const placeOrder = (command: PlaceOrder, state: OrderState): Result => {
  const placed = priceOrder(command.data);
  if ('ok' in placed) return placed;
  if (state.status === 'initial') return accept(placed);
  return sameJson(detailsOf(placed.data), state.order)
    ? accept()
    : refuse('ORDER_ALREADY_EXISTS', `order ${state.order.orderId} exists with other details`);
};

// --- payment phase ------------------------------------------------------------

/** Idempotent while awaiting payment with the same deadline. */
const confirmStockReserved = (command: ConfirmStockReserved, state: Existing): Result => {
  const { paymentDeadline, at } = command.data;
  const bad = checkInstant(at) ?? checkInstant(paymentDeadline, 'paymentDeadline');
  if (bad) return bad;
  if (!isBefore(at, paymentDeadline))
    return refuse('INVALID_DEADLINE', 'the payment deadline must be after now');
  if (state.status === 'awaiting_payment' && state.paymentDeadline === paymentDeadline) return accept();
  if (state.status !== 'placed')
    return refuseInStatus('ORDER_NOT_PLACED', state, 'stock can only be confirmed once, on placement');
  return accept({
    type: 'OrderStockReserved',
    data: { orderId: state.order.orderId, paymentDeadline, reservedAt: at },
  });
};

/** Idempotent once rejected. Only before stock is confirmed: after that the order expires or is cancelled. */
const rejectOrder = (command: RejectOrder, state: Existing): Result => {
  const bad = checkInstant(command.data.at);
  if (bad) return bad;
  if (state.status === 'rejected') return accept();
  if (state.status !== 'placed')
    return refuseInStatus('ORDER_NOT_PLACED', state, 'only a just-placed order can be rejected');
  return accept({
    type: 'OrderRejected',
    data: { orderId: state.order.orderId, reason: command.data.reason, rejectedAt: command.data.at },
  });
};

/**
 * Stock is reserved before money is taken: a capture is recorded only while
 * awaiting payment (a late capture after the deadline but before expiry is
 * still honoured: the stock is still held). Otherwise ORDER_NOT_PAYABLE, and
 * the saga refunds that capture. The same payment again is a no-op.
 */
const recordPaymentCaptured = (command: RecordPaymentCaptured, state: Existing): Result => {
  const { paymentId, amount, at } = command.data;
  const bad = checkInstant(at) ?? checkMoney(amount, state.order.currency);
  if (bad) return bad;
  if ('payment' in state && state.payment?.paymentId === paymentId) return accept();
  if (state.status !== 'awaiting_payment')
    return refuseInStatus('ORDER_NOT_PAYABLE', state, 'a capture is accepted only while awaiting payment');
  if (amount.amount !== state.order.totalMinor)
    return refuse(
      'PAYMENT_AMOUNT_MISMATCH',
      `captured ${amount.amount} but the order total is ${state.order.totalMinor} ${state.order.currency}`,
    );
  return accept({
    type: 'OrderPaid',
    data: {
      orderId: state.order.orderId,
      paymentId,
      amountMinor: amount.amount,
      currency: state.order.currency,
      paidAt: at,
    },
  });
};

/** The payment-deadline timer. Idempotent once expired. */
const expireOrder = (command: ExpireOrder, state: Existing): Result => {
  const bad = checkInstant(command.data.at);
  if (bad) return bad;
  if (state.status === 'expired') return accept();
  if (state.status !== 'awaiting_payment')
    return refuseInStatus('ORDER_NOT_AWAITING_PAYMENT', state, 'only an order awaiting payment expires');
  if (isBefore(command.data.at, state.paymentDeadline))
    return refuse('PAYMENT_DEADLINE_NOT_REACHED', `the payment deadline is ${state.paymentDeadline}`);
  return accept({ type: 'OrderExpired', data: { orderId: state.order.orderId, expiredAt: command.data.at } });
};

// --- fulfilment -----------------------------------------------------------------

/** Idempotent with the same tracking number once shipped. */
const shipOrder = (command: ShipOrder, state: Existing): Result => {
  const { by, carrier, trackingNumber, at } = command.data;
  const bad = checkInstant(at) ?? mustBeSeller(state.order, by);
  if (bad) return bad;
  if (!nonEmpty(trackingNumber) || !nonEmpty(carrier))
    return refuse('INVALID_LINE', 'a shipment names a carrier and a tracking number');
  if ('shipment' in state && state.shipment.trackingNumber === trackingNumber) return accept();
  if (state.status === 'cancellation_requested')
    return refuseInStatus('CANCELLATION_PENDING', state, 'answer the cancellation request before shipping');
  if (state.status !== 'paid') return refuseInStatus('ORDER_NOT_SHIPPABLE', state, 'only a paid order ships');
  return accept({
    type: 'OrderShipped',
    data: { orderId: state.order.orderId, carrier, trackingNumber, shippedAt: at },
  });
};

/** Carrier webhooks repeat: once delivered (or anything after it), MarkDelivered is a no-op. */
const markDelivered = (command: MarkDelivered, state: Existing): Result => {
  const bad = checkInstant(command.data.at);
  if (bad) return bad;
  if (state.status === 'shipped')
    return accept({
      type: 'OrderDelivered',
      data: { orderId: state.order.orderId, deliveredAt: command.data.at },
    });
  if (state.status === 'delivered' || state.status === 'completed' || returnUnderway(state)) return accept();
  return refuseInStatus('ORDER_NOT_SHIPPED', state, 'only a shipped order is delivered');
};

const completed = (
  state: Existing & { status: 'shipped' | 'delivered' },
  how: 'confirmed_by_buyer' | 'auto_completed',
  at: Instant,
): Result =>
  accept({
    type: 'OrderCompleted',
    data: {
      orderId: state.order.orderId,
      how,
      completedAt: at,
      sellerId: state.order.sellerId,
      feeSchedule: state.order.feeSchedule,
    },
  });

/** The buyer confirms (also before the carrier reports delivery). Idempotent once completed. */
const confirmReceipt = (command: ConfirmReceipt, state: Existing): Result => {
  const bad = checkInstant(command.data.at) ?? mustBeBuyer(state.order, command.data.by);
  if (bad) return bad;
  if (state.status === 'completed') return accept();
  if (state.status === 'return_requested' || state.status === 'return_received')
    return refuseInStatus('RETURN_IN_PROGRESS', state, 'a return is in progress');
  if (state.status !== 'shipped' && state.status !== 'delivered')
    return refuseInStatus('ORDER_NOT_DELIVERED', state, 'only a shipped or delivered order completes');
  return completed(state, 'confirmed_by_buyer', command.data.at);
};

/** The auto-complete timer: at ≥ deliveredAt + window. Idempotent once completed. */
const autoCompleteOrder = (command: AutoCompleteOrder, state: Existing): Result => {
  const { completionWindowMillis, at } = command.data;
  const bad = checkInstant(at) ?? checkWindow(completionWindowMillis);
  if (bad) return bad;
  if (state.status === 'completed') return accept();
  if (state.status === 'return_requested' || state.status === 'return_received')
    return refuseInStatus('RETURN_IN_PROGRESS', state, 'a return is in progress');
  if (state.status !== 'delivered')
    return refuseInStatus('ORDER_NOT_DELIVERED', state, 'only a delivered order auto-completes');
  const due = addMillis(state.deliveredAt, completionWindowMillis);
  if (isBefore(at, due)) return refuse('COMPLETION_WINDOW_OPEN', `the order auto-completes at ${due}`);
  return completed(state, 'auto_completed', at);
};

// --- cancellation ---------------------------------------------------------------

/**
 * The buyer asks before shipment, once paid (before payment the buyer simply
 * lets the order expire). Idempotent while pending and once cancelled (also
 * after the refund); one request per order: after a decline it is refused.
 */
const requestCancellation = (command: RequestCancellation, state: Existing): Result => {
  const { by, reason, answerDeadline, at } = command.data;
  const bad =
    checkInstant(at) ?? checkInstant(answerDeadline, 'answerDeadline') ?? mustBeBuyer(state.order, by);
  if (bad) return bad;
  if (!isBefore(at, answerDeadline))
    return refuse('INVALID_DEADLINE', 'the answer deadline must be after now');
  if (state.status === 'cancellation_requested' || cancelledOnRequestOf(state) !== null) return accept();
  if (state.status !== 'paid')
    return refuseInStatus(
      'ORDER_NOT_CANCELLABLE',
      state,
      'a cancellation is requested once paid, before shipment',
    );
  if (state.cancellationDeclined)
    return refuse(
      'CANCELLATION_ALREADY_DECLINED',
      'the seller already declined a cancellation of this order',
    );
  return accept({
    type: 'CancellationRequested',
    data: { orderId: state.order.orderId, reason, answerDeadline, requestedAt: at },
  });
};

const cancelled = (
  state: Existing & { status: 'placed' | 'awaiting_payment' | 'paid' | 'cancellation_requested' },
  initiatedBy: 'buyer' | 'seller',
  cancelledBy: string,
  reason: string,
  at: Instant,
): Result => {
  const payment = 'payment' in state ? state.payment : null;
  return accept({
    type: 'OrderCancelled',
    data: {
      orderId: state.order.orderId,
      initiatedBy,
      cancelledBy,
      reason,
      refundDueMinor: payment === null ? 0 : payment.amountMinor,
      currency: state.order.currency,
      paymentId: payment === null ? null : payment.paymentId,
      cancelledAt: at,
    },
  });
};

/** By the seller, or by the timer (`by: 'system'`) once the answer deadline passed. Idempotent once cancelled. */
const acceptCancellation = (command: AcceptCancellation, state: Existing): Result => {
  const { by, at } = command.data;
  const bad = checkInstant(at) ?? (by === SYSTEM_ACTOR ? null : mustBeSeller(state.order, by));
  if (bad) return bad;
  if (cancelledOnRequestOf(state) === 'buyer') return accept();
  if (state.status !== 'cancellation_requested')
    return refuseInStatus('NO_CANCELLATION_REQUESTED', state, 'no cancellation request is pending');
  if (by === SYSTEM_ACTOR && isBefore(at, state.answerDeadline))
    return refuse('ANSWER_DEADLINE_NOT_REACHED', `the seller may answer until ${state.answerDeadline}`);
  return cancelled(state, 'buyer', by, 'cancellation requested by the buyer', at);
};

/** Idempotent once declined (the order is back to paid with the decline recorded). */
const declineCancellation = (command: DeclineCancellation, state: Existing): Result => {
  const { by, reason, at } = command.data;
  const bad = checkInstant(at) ?? mustBeSeller(state.order, by);
  if (bad) return bad;
  if (state.status === 'paid' && state.cancellationDeclined) return accept();
  if (state.status !== 'cancellation_requested')
    return refuseInStatus('NO_CANCELLATION_REQUESTED', state, 'no cancellation request is pending');
  return accept({
    type: 'CancellationDeclined',
    data: { orderId: state.order.orderId, reason, declinedAt: at },
  });
};

/** Before shipment, paid or not (unpaid: nothing is due back). Idempotent once cancelled. */
const cancelBySeller = (command: CancelBySeller, state: Existing): Result => {
  const { by, reason, at } = command.data;
  const bad = checkInstant(at) ?? mustBeSeller(state.order, by);
  if (bad) return bad;
  if (cancelledOnRequestOf(state) !== null) return accept();
  if (
    state.status !== 'placed' &&
    state.status !== 'awaiting_payment' &&
    state.status !== 'paid' &&
    state.status !== 'cancellation_requested'
  )
    return refuseInStatus('ORDER_NOT_CANCELLABLE', state, 'the seller cancels only before shipment');
  return cancelled(state, 'seller', by, reason, at);
};

// --- returns and refunds --------------------------------------------------------

/**
 * The buyer, after delivery, within the return window and before completion.
 * Idempotent once the return is underway (requested, received or refunded).
 */
const requestReturn = (command: RequestReturn, state: Existing): Result => {
  const { by, reason, returnWindowMillis, at } = command.data;
  const bad = checkInstant(at) ?? checkWindow(returnWindowMillis) ?? mustBeBuyer(state.order, by);
  if (bad) return bad;
  if (returnUnderway(state)) return accept();
  if (state.status !== 'delivered')
    return refuseInStatus(
      'ORDER_NOT_DELIVERED',
      state,
      'a return is requested after delivery and before completion',
    );
  const closes = addMillis(state.deliveredAt, returnWindowMillis);
  if (isBefore(closes, at)) return refuse('RETURN_WINDOW_CLOSED', `the return window closed at ${closes}`);
  return accept({ type: 'ReturnRequested', data: { orderId: state.order.orderId, reason, requestedAt: at } });
};

/** The seller got the item back: the full amount paid is due back. Idempotent afterwards (also once refunded). */
const recordReturnReceived = (command: RecordReturnReceived, state: Existing): Result => {
  const bad = checkInstant(command.data.at) ?? mustBeSeller(state.order, command.data.by);
  if (bad) return bad;
  if (state.status !== 'return_requested')
    return returnUnderway(state)
      ? accept()
      : refuseInStatus('NO_RETURN_REQUESTED', state, 'no return is pending');
  return accept({
    type: 'ReturnReceived',
    data: {
      orderId: state.order.orderId,
      refundDueMinor: state.payment.amountMinor,
      currency: state.order.currency,
      paymentId: state.payment.paymentId,
      receivedAt: command.data.at,
    },
  });
};

/** Partial refunds add up to what is due; a known refundId is a no-op. */
const recordRefunded = (command: RecordRefunded, state: Existing): Result => {
  const { refundId, amount, at } = command.data;
  const bad = checkInstant(at) ?? checkMoney(amount, state.order.currency);
  if (bad) return bad;
  if (!nonEmpty(refundId)) return refuse('INVALID_LINE', 'a refund has an id');
  if (state.status !== 'cancelled' && state.status !== 'return_received' && state.status !== 'refunded')
    return refuseInStatus('NO_REFUND_DUE', state, 'nothing is due back to the buyer');
  if (state.refund.refundIds.includes(refundId)) return accept();
  const remaining = state.refund.dueMinor - state.refund.refundedMinor;
  if (remaining === 0)
    return refuseInStatus('NO_REFUND_DUE', state, 'nothing (more) is due back to the buyer');
  if (amount.amount === 0) return refuse('INVALID_AMOUNT', 'a refund is positive');
  if (amount.amount > remaining)
    return refuse('REFUND_EXCEEDS_DUE', `refund of ${amount.amount} exceeds the ${remaining} still due`);
  const totalRefundedMinor = state.refund.refundedMinor + amount.amount;
  return accept({
    type: 'OrderRefunded',
    data: {
      orderId: state.order.orderId,
      refundId,
      amountMinor: amount.amount,
      currency: state.order.currency,
      totalRefundedMinor,
      fullyRefunded: totalRefundedMinor === state.refund.dueMinor,
      refundedAt: at,
    },
  });
};

// --- the switch -------------------------------------------------------------------

export const decide = (command: OrderCommand, state: OrderState): Result => {
  if (command.type === 'PlaceOrder') return placeOrder(command, state);
  if (state.status === 'initial')
    return refuse('ORDER_NOT_FOUND', `order ${command.data.orderId} was never placed`);
  if (command.data.orderId !== state.order.orderId)
    return refuse(
      'ORDER_ID_MISMATCH',
      `command for ${command.data.orderId} sent to order ${state.order.orderId}`,
    );
  switch (command.type) {
    case 'ConfirmStockReserved':
      return confirmStockReserved(command, state);
    case 'RejectOrder':
      return rejectOrder(command, state);
    case 'RecordPaymentCaptured':
      return recordPaymentCaptured(command, state);
    case 'ExpireOrder':
      return expireOrder(command, state);
    case 'ShipOrder':
      return shipOrder(command, state);
    case 'MarkDelivered':
      return markDelivered(command, state);
    case 'ConfirmReceipt':
      return confirmReceipt(command, state);
    case 'AutoCompleteOrder':
      return autoCompleteOrder(command, state);
    case 'RequestCancellation':
      return requestCancellation(command, state);
    case 'AcceptCancellation':
      return acceptCancellation(command, state);
    case 'DeclineCancellation':
      return declineCancellation(command, state);
    case 'CancelBySeller':
      return cancelBySeller(command, state);
    case 'RequestReturn':
      return requestReturn(command, state);
    case 'RecordReturnReceived':
      return recordReturnReceived(command, state);
    case 'RecordRefunded':
      return recordRefunded(command, state);
    default:
      return assertNever(command, 'order command');
  }
};
