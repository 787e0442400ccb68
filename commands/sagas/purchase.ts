import { initialState as noListing, purchaseLine } from '../../domain/listing/index.ts';
import type { ListingState } from '../../domain/listing/index.ts';
import { reservationsBySku } from '../../domain/order/index.ts';
import type {
  OrderCancelled,
  OrderDetails,
  OrderExpired,
  OrderLine,
  OrderPlaced,
  OrderRejected,
  OrderShipped,
  OrderState,
} from '../../domain/order/index.ts';
import type { CaptureFailed, PaymentAuthorized, PaymentCaptured } from '../../domain/payment/events.ts';
import { addMillis } from '../../domain/shared/index.ts';
import type { Instant } from '../../domain/shared/index.ts';
import type { WindowsConfig } from '../../infra/config.ts';
import type { LogPosition } from '../../infra/event-store/port.ts';
import type { Reply } from '../envelope.ts';
import { dataOf, isDomainRefusal, reasonText, sagaCommand, sendStep, sendSteps } from './commands.ts';
import type { SagaCommand } from './commands.ts';
import { reservationIdOf, unpayableRefundId } from './ids.ts';
import { listingAsOf } from './listing-view.ts';
import { orderAsOf } from './order-view.ts';
import type { ProcessManager, SagaContext } from './process-manager.ts';

export type PurchaseWindows = Pick<WindowsConfig, 'paymentMs' | 'shipByMs'>;

export const paymentDeadlineOf = (placedAt: Instant, windows: PurchaseWindows): Instant =>
  addMillis(placedAt, windows.paymentMs);

/**
 * A reservation is held until the latest moment its order could still need
 * it: paid at the payment deadline, then shipped at the ship-by deadline. The
 * saga releases it much earlier in every other outcome (rejected, expired,
 * cancelled); the expiry is the safety net should it never do so. Inventory
 * stops counting a reservation once it expired, so a shorter expiry (say the
 * payment deadline alone) would let a paid, unshipped order's units be sold twice.
 */
export const reservationExpiryOf = (placedAt: Instant, windows: PurchaseWindows): Instant =>
  addMillis(placedAt, windows.paymentMs + windows.shipByMs);

/**
 * Why an order line does not match its listing as it stands, or null when it
 * does. The request's SKU, seller and price are the buyer's client's word;
 * the listing's stream is the truth (`purchaseLine`): only an active listing
 * can be bought, and only at its price, from its seller, for its SKU.
 */
export const lineMismatch = (
  line: OrderLine,
  placed: OrderPlaced['data'],
  listing: ListingState,
): string | null => {
  const priced = purchaseLine(listing, line.quantity);
  const about = `listing ${line.listingId}`;
  if (!priced.ok) return `${priced.error.code} for ${about}: ${priced.error.message}`;
  const { sku, sellerId, unitPrice } = priced.line;
  if (sku !== line.sku) return `LISTING_MISMATCH for ${about}: it sells SKU ${sku}, not ${line.sku}`;
  if (sellerId !== placed.sellerId)
    return `LISTING_MISMATCH for ${about}: its seller is ${sellerId}, not ${placed.sellerId}`;
  if (unitPrice.currency !== placed.currency || unitPrice.amount !== line.unitPriceMinor)
    return `PRICE_CHANGED for ${about}: it costs ${String(unitPrice.amount)} ${unitPrice.currency} (minor units), the order says ${String(line.unitPriceMinor)} ${placed.currency}`;
  return null;
};

/** `order.reject` for the first line that does not match its listing, or null when every line does. */
export const checkListings = (
  placed: OrderPlaced['data'],
  listings: ReadonlyMap<string, ListingState>,
): SagaCommand | null => {
  for (const line of placed.lines) {
    const problem = lineMismatch(line, placed, listings.get(line.listingId) ?? noListing());
    if (problem !== null)
      return sagaCommand('reject', 'order.reject', {
        orderId: placed.orderId,
        reason: reasonText(problem),
        at: placed.placedAt,
      });
  }
  return null;
};

/** Every listing of the order as of `at` (the OrderPlaced's position), each read once. */
export const listingsAsOf = async (
  readStream: SagaContext['readStream'],
  placed: OrderPlaced['data'],
  at: LogPosition,
): Promise<ReadonlyMap<string, ListingState>> => {
  const ids = [...new Set(placed.lines.map((line) => line.listingId))];
  const states = await Promise.all(ids.map((id) => listingAsOf(readStream, id, at)));
  return new Map(ids.map((id, i) => [id, states[i] ?? noListing()]));
};

/** One reservation per SKU of the order, for the sum of its lines. */
export const reserveCommands = (placed: OrderPlaced['data'], windows: PurchaseWindows): SagaCommand[] =>
  [...reservationsBySku(placed)].map(([sku, quantity]) =>
    sagaCommand(`reserve:${sku}`, 'inventory.reserve', {
      sku,
      reservationId: reservationIdOf(placed.orderId, sku),
      orderId: placed.orderId,
      quantity,
      expiresAt: reservationExpiryOf(placed.placedAt, windows),
      at: placed.placedAt,
    }),
  );

/**
 * Every SKU reserved: the order awaits payment until its deadline. Any refusal:
 * the order is rejected with the first refusal as its reason (what was
 * reserved is released when the saga sees OrderRejected).
 */
export const afterReservations = (
  placed: OrderPlaced['data'],
  windows: PurchaseWindows,
  reserves: readonly SagaCommand[],
  replies: readonly Reply[],
): SagaCommand => {
  const index = replies.findIndex((reply) => reply.status === 'refused');
  const refusal = replies[index];
  if (refusal?.status === 'refused') {
    const sku = (reserves[index]?.data as { sku?: string } | undefined)?.sku ?? '?';
    return sagaCommand('reject', 'order.reject', {
      orderId: placed.orderId,
      reason: reasonText(`${refusal.code} for SKU ${sku}: ${refusal.message}`),
      at: placed.placedAt,
    });
  }
  return sagaCommand('confirm', 'order.confirm-stock-reserved', {
    orderId: placed.orderId,
    paymentDeadline: paymentDeadlineOf(placed.placedAt, windows),
    at: placed.placedAt,
  });
};

export const releaseCommands = (order: OrderDetails, reason: string, at: Instant): SagaCommand[] =>
  [...reservationsBySku(order)].map(([sku]) =>
    sagaCommand(`release:${sku}`, 'inventory.release', {
      sku,
      reservationId: reservationIdOf(order.orderId, sku),
      reason,
      at,
    }),
  );

export const commitCommands = (order: OrderDetails, at: Instant): SagaCommand[] =>
  [...reservationsBySku(order)].map(([sku]) =>
    sagaCommand(`commit:${sku}`, 'inventory.commit', {
      sku,
      reservationId: reservationIdOf(order.orderId, sku),
      at,
    }),
  );

/**
 * The marketplace captures at purchase: an authorization for an order
 * awaiting payment that covers its total is captured; any other (the order
 * not yet confirmed, already paid, expired, cancelled, or too little
 * authorized) is voided. Both are one step (`settle`), so a replay can never
 * send the other one.
 */
export const settleAuthorization = (
  authorized: PaymentAuthorized['data'],
  order: OrderState,
): SagaCommand => {
  const { paymentId, authorizedAt } = authorized;
  if (order.status === 'awaiting_payment') {
    const { totalMinor, currency } = order.order;
    if (authorized.currency === currency && authorized.amountMinor >= totalMinor)
      return sagaCommand('settle', 'payment.request-capture', {
        paymentId,
        amount: { amount: totalMinor, currency },
        at: authorizedAt,
      });
  }
  const why =
    order.status === 'initial'
      ? `order ${authorized.orderId} does not exist`
      : order.status === 'awaiting_payment'
        ? `the authorization does not cover order ${authorized.orderId}`
        : `order ${authorized.orderId} is ${order.status}, not awaiting payment`;
  return sagaCommand('settle', 'payment.request-void', { paymentId, reason: why, at: authorizedAt });
};

/** A failed capture gives its authorization up; the buyer may pay again until the deadline. */
export const voidAfterFailedCapture = (failed: CaptureFailed['data']): SagaCommand =>
  sagaCommand('void', 'payment.request-void', {
    paymentId: failed.paymentId,
    reason: reasonText(`capture failed: ${failed.reason}`),
    at: failed.failedAt,
  });

export const recordCapture = (captured: PaymentCaptured['data']): SagaCommand =>
  sagaCommand('record', 'order.record-payment-captured', {
    orderId: captured.orderId,
    paymentId: captured.paymentId,
    amount: { amount: captured.amountMinor, currency: captured.currency },
    at: captured.capturedAt,
  });

/** Money the order would not take goes back to the buyer, one refund per capture event. */
export const refundRefusedCapture = (
  captured: PaymentCaptured['data'],
  captureEventId: string,
  code: string,
): SagaCommand =>
  sagaCommand('refund', 'payment.request-refund', {
    paymentId: captured.paymentId,
    refundId: unpayableRefundId(captureEventId),
    amount: { amount: captured.amountMinor, currency: captured.currency },
    reason: reasonText(`order ${captured.orderId} cannot take this payment (${code})`),
    at: captured.capturedAt,
  });

const ENDINGS = {
  OrderRejected: 'order rejected',
  OrderExpired: 'order expired',
  OrderCancelled: 'order cancelled',
} as const;

/**
 * The purchase: check a placed order against its listings (reject it when a
 * line does not match), reserve every SKU of it, then confirm it (awaiting
 * payment) or reject it; capture an authorization, record the capture on the
 * order or refund it when the order cannot take it; release the reservations
 * when the order ends without shipping, commit them when it ships.
 */
export const purchaseSaga = (windows: PurchaseWindows): ProcessManager => ({
  name: 'purchase',
  handles: [
    'OrderPlaced',
    'OrderRejected',
    'OrderExpired',
    'OrderCancelled',
    'OrderShipped',
    'PaymentAuthorized',
    'CaptureFailed',
    'PaymentCaptured',
  ],
  react: async (event, ctx) => {
    switch (event.type) {
      case 'OrderPlaced': {
        const placed = dataOf<OrderPlaced>(event);
        // Before any stock is held: the order must match its listings as of this event.
        const rejection = checkListings(placed, await listingsAsOf(ctx.readStream, placed, event.position));
        if (rejection !== null) {
          await sendStep(ctx, rejection);
          return;
        }
        const reserves = reserveCommands(placed, windows);
        const replies = await sendSteps(ctx, reserves);
        await sendStep(ctx, afterReservations(placed, windows, reserves, replies));
        return;
      }
      case 'OrderRejected':
      case 'OrderExpired':
      case 'OrderCancelled': {
        const { orderId } = dataOf<OrderRejected | OrderExpired | OrderCancelled>(event);
        const at = endedAt(event.type, event.data);
        const order = await orderAsOf(ctx.readStream, orderId, event.position);
        if (order.status === 'initial') return;
        await sendSteps(ctx, releaseCommands(order.order, ENDINGS[event.type], at));
        return;
      }
      case 'OrderShipped': {
        const shipped = dataOf<OrderShipped>(event);
        const order = await orderAsOf(ctx.readStream, shipped.orderId, event.position);
        if (order.status === 'initial') return;
        await sendSteps(ctx, commitCommands(order.order, shipped.shippedAt));
        return;
      }
      case 'PaymentAuthorized': {
        const authorized = dataOf<PaymentAuthorized>(event);
        const order = await orderAsOf(ctx.readStream, authorized.orderId, event.position);
        await sendStep(ctx, settleAuthorization(authorized, order));
        return;
      }
      case 'CaptureFailed':
        await sendStep(ctx, voidAfterFailedCapture(dataOf<CaptureFailed>(event)));
        return;
      case 'PaymentCaptured': {
        const captured = dataOf<PaymentCaptured>(event);
        const reply = await sendStep(ctx, recordCapture(captured));
        if (isDomainRefusal(reply))
          await sendStep(ctx, refundRefusedCapture(captured, event.eventId, reply.code));
        return;
      }
      default:
        return;
    }
  },
});

const endedAt = (type: keyof typeof ENDINGS, data: unknown): Instant => {
  switch (type) {
    case 'OrderRejected':
      return (data as OrderRejected['data']).rejectedAt;
    case 'OrderExpired':
      return (data as OrderExpired['data']).expiredAt;
    case 'OrderCancelled':
      return (data as OrderCancelled['data']).cancelledAt;
  }
};
