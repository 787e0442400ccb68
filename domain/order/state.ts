import type { FeeSchedule } from '../fees/index.ts';
import { assertNever, InvariantViolation } from '../shared/index.ts';
import type { CurrencyCode, Instant } from '../shared/index.ts';
import type { OrderEvent, OrderLine, OrderPlaced, OrderRefunded } from './events.ts';

/** What every placed order carries, whatever its status. */
export type OrderDetails = Readonly<{
  orderId: string;
  buyerId: string;
  sellerId: string;
  currency: CurrencyCode;
  lines: readonly OrderLine[];
  totalMinor: number;
  feeSchedule: FeeSchedule;
  placedAt: Instant;
}>;

export type Payment = Readonly<{ paymentId: string; amountMinor: number; paidAt: Instant }>;
export type Shipment = Readonly<{ carrier: string; trackingNumber: string; shippedAt: Instant }>;
export type RefundProgress = Readonly<{
  dueMinor: number;
  refundedMinor: number;
  /** Refund ids already recorded, so a repeated RecordRefunded is a no-op. */
  refundIds: readonly string[];
}>;

type Placed = Readonly<{ order: OrderDetails }>;
type Paid = Placed & Readonly<{ payment: Payment }>;
type Shipped = Paid & Readonly<{ shipment: Shipment }>;
type Delivered = Shipped & Readonly<{ deliveredAt: Instant | null }>;

/**
 * One status axis: at each step of this marketplace flow payment and fulfilment
 * are tied (payment happens only after reservation, shipping only after
 * payment), so a single union is clearer than separate axes and keeps
 * impossible combinations (shipped but unpaid) from type-checking.
 */
export type OrderState =
  | Readonly<{ status: 'initial' }>
  | (Placed & Readonly<{ status: 'placed' }>)
  | (Placed & Readonly<{ status: 'awaiting_payment'; paymentDeadline: Instant }>)
  | (Placed & Readonly<{ status: 'rejected'; reason: string }>)
  | (Placed & Readonly<{ status: 'expired'; expiredAt: Instant }>)
  | (Paid & Readonly<{ status: 'paid'; cancellationDeclined: boolean }>)
  | (Paid & Readonly<{ status: 'cancellation_requested'; answerDeadline: Instant }>)
  | (Placed &
      Readonly<{
        status: 'cancelled';
        payment: Payment | null;
        initiatedBy: 'buyer' | 'seller';
        refund: RefundProgress;
      }>)
  | (Shipped & Readonly<{ status: 'shipped' }>)
  | (Delivered & Readonly<{ status: 'delivered'; deliveredAt: Instant }>)
  | (Delivered & Readonly<{ status: 'completed'; completedAt: Instant }>)
  | (Delivered & Readonly<{ status: 'return_requested'; deliveredAt: Instant }>)
  | (Delivered & Readonly<{ status: 'return_received'; refund: RefundProgress }>)
  | (Placed &
      Readonly<{
        status: 'refunded';
        after: 'cancelled' | 'return_received';
        /** Who asked for the cancellation when `after` is 'cancelled'; null after a return. */
        initiatedBy: 'buyer' | 'seller' | null;
        payment: Payment;
        refund: RefundProgress;
      }>);

export type OrderStatus = OrderState['status'];

export const initialState = (): OrderState => ({ status: 'initial' });

export const detailsOf = (data: OrderPlaced['data']): OrderDetails => ({
  orderId: data.orderId,
  buyerId: data.buyerId,
  sellerId: data.sellerId,
  currency: data.currency,
  lines: data.lines,
  totalMinor: data.totalMinor,
  feeSchedule: data.feeSchedule,
  placedAt: data.placedAt,
});

/**
 * Quantity to reserve per SKU (several lines of one SKU reserve their sum),
 * from the placed event's data or a placed order's state; what the purchase
 * saga reserves. Keys keep the order of first appearance.
 */
export const reservationsBySku = (
  source: Readonly<{ lines: readonly OrderLine[] }> | OrderState,
): ReadonlyMap<string, number> => {
  const lines = 'lines' in source ? source.lines : 'order' in source ? source.order.lines : [];
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return bySku;
};

/**
 * The refund progress after one more refund. The event carries the running
 * total and whether it settles what is due (so a reader of the log needs no
 * fold); both must agree with the fold, or the history is corrupt.
 */
const afterRefund = (
  orderId: string,
  progress: RefundProgress,
  refunded: OrderRefunded['data'],
): RefundProgress => {
  if (progress.refundIds.includes(refunded.refundId))
    throw new InvariantViolation(`order ${orderId}: refund ${refunded.refundId} recorded twice`);
  const refundedMinor = progress.refundedMinor + refunded.amountMinor;
  if (refunded.amountMinor <= 0 || refundedMinor !== refunded.totalRefundedMinor)
    throw new InvariantViolation(`order ${orderId}: refund ${refunded.refundId} does not add up`);
  if (refundedMinor > progress.dueMinor)
    throw new InvariantViolation(`order ${orderId}: refunded more than due`);
  if (refunded.fullyRefunded !== (refundedMinor === progress.dueMinor))
    throw new InvariantViolation(`order ${orderId}: fullyRefunded disagrees with the amounts`);
  return {
    dueMinor: progress.dueMinor,
    refundedMinor,
    refundIds: [...progress.refundIds, refunded.refundId],
  };
};

const unexpected = (state: OrderState, event: OrderEvent): never => {
  throw new InvariantViolation(`order: ${event.type} cannot follow status ${state.status}`);
};

/**
 * Applies a recorded fact. Only transitions `decide` can produce are accepted;
 * anything else means a corrupt or foreign history and throws.
 */
export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event.type) {
    case 'OrderPlaced':
      if (state.status !== 'initial') return unexpected(state, event);
      return { status: 'placed', order: detailsOf(event.data) };

    case 'OrderStockReserved':
      if (state.status !== 'placed') return unexpected(state, event);
      return { status: 'awaiting_payment', order: state.order, paymentDeadline: event.data.paymentDeadline };

    case 'OrderRejected':
      if (state.status !== 'placed') return unexpected(state, event);
      return { status: 'rejected', order: state.order, reason: event.data.reason };

    case 'OrderExpired':
      if (state.status !== 'awaiting_payment') return unexpected(state, event);
      return { status: 'expired', order: state.order, expiredAt: event.data.expiredAt };

    case 'OrderPaid':
      if (state.status !== 'awaiting_payment') return unexpected(state, event);
      return {
        status: 'paid',
        order: state.order,
        payment: {
          paymentId: event.data.paymentId,
          amountMinor: event.data.amountMinor,
          paidAt: event.data.paidAt,
        },
        cancellationDeclined: false,
      };

    case 'CancellationRequested':
      if (state.status !== 'paid') return unexpected(state, event);
      return {
        status: 'cancellation_requested',
        order: state.order,
        payment: state.payment,
        answerDeadline: event.data.answerDeadline,
      };

    case 'CancellationDeclined':
      if (state.status !== 'cancellation_requested') return unexpected(state, event);
      return { status: 'paid', order: state.order, payment: state.payment, cancellationDeclined: true };

    case 'OrderCancelled': {
      if (
        state.status !== 'placed' &&
        state.status !== 'awaiting_payment' &&
        state.status !== 'paid' &&
        state.status !== 'cancellation_requested'
      )
        return unexpected(state, event);
      const payment = 'payment' in state ? state.payment : null;
      return {
        status: 'cancelled',
        order: state.order,
        payment,
        initiatedBy: event.data.initiatedBy,
        refund: { dueMinor: event.data.refundDueMinor, refundedMinor: 0, refundIds: [] },
      };
    }

    case 'OrderShipped':
      if (state.status !== 'paid') return unexpected(state, event);
      return {
        status: 'shipped',
        order: state.order,
        payment: state.payment,
        shipment: {
          carrier: event.data.carrier,
          trackingNumber: event.data.trackingNumber,
          shippedAt: event.data.shippedAt,
        },
      };

    case 'OrderDelivered':
      if (state.status !== 'shipped') return unexpected(state, event);
      return { ...state, status: 'delivered', deliveredAt: event.data.deliveredAt };

    case 'OrderCompleted':
      if (state.status !== 'shipped' && state.status !== 'delivered') return unexpected(state, event);
      return {
        status: 'completed',
        order: state.order,
        payment: state.payment,
        shipment: state.shipment,
        deliveredAt: state.status === 'delivered' ? state.deliveredAt : null,
        completedAt: event.data.completedAt,
      };

    case 'ReturnRequested':
      if (state.status !== 'delivered') return unexpected(state, event);
      return { ...state, status: 'return_requested' };

    case 'ReturnReceived':
      if (state.status !== 'return_requested') return unexpected(state, event);
      return {
        ...state,
        status: 'return_received',
        refund: { dueMinor: event.data.refundDueMinor, refundedMinor: 0, refundIds: [] },
      };

    case 'OrderRefunded': {
      if (state.status !== 'cancelled' && state.status !== 'return_received') return unexpected(state, event);
      const refund = afterRefund(state.order.orderId, state.refund, event.data);
      if (state.payment === null)
        throw new InvariantViolation(`order ${state.order.orderId}: a refund without a payment`);
      if (!event.data.fullyRefunded) return { ...state, refund };
      return {
        status: 'refunded',
        after: state.status,
        initiatedBy: state.status === 'cancelled' ? state.initiatedBy : null,
        order: state.order,
        payment: state.payment,
        refund,
      };
    }

    default:
      return assertNever(event, 'order event');
  }
};
