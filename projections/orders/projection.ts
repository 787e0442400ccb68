import type { OrderEvent } from '../../domain/order/events.ts';
import type { PaymentEvent } from '../../domain/payment/events.ts';
import { assertNever } from '../../domain/shared/index.ts';
import { asMessage, ProjectionError, required } from '../projection.ts';
import type { Projection } from '../projection.ts';
import type {
  OrderCancellationStatus,
  OrderPaymentStatus,
  OrderReturnStatus,
  OrderStatus,
} from '../read-models/schema.ts';
import { sqlRows } from '../rows.ts';
import type { Row } from '../rows.ts';
import { ordersSchema } from './tables.ts';

type OrderRow = {
  order_id: string;
  buyer_id: string;
  seller_id: string;
  currency: string;
  total_minor: number;
  line_count: number;
  item_count: number;
  status: OrderStatus;
  payment_status: OrderPaymentStatus;
  cancellation_status: OrderCancellationStatus;
  return_status: OrderReturnStatus;
  payment_id: string | null;
  paid_minor: number;
  refund_due_minor: number;
  refunded_minor: number;
  fee_schedule_id: string;
  reason: string | null;
  carrier: string | null;
  tracking_number: string | null;
  placed_at: string;
  payment_deadline: string | null;
  paid_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  completed_at: string | null;
  completed_how: 'confirmed_by_buyer' | 'auto_completed' | null;
  cancelled_at: string | null;
  updated_at: string;
  revision: number;
};

type SalesRow = {
  seller_id: string;
  currency: string;
  orders_placed: number;
  orders_paid: number;
  orders_completed: number;
  orders_cancelled: number;
  gross_paid_minor: number;
  refunded_minor: number;
  updated_at: string;
};

const ORDER_EVENT_TYPES: readonly OrderEvent['type'][] = [
  'OrderPlaced',
  'OrderStockReserved',
  'OrderRejected',
  'OrderPaid',
  'OrderExpired',
  'OrderShipped',
  'OrderDelivered',
  'OrderCompleted',
  'CancellationRequested',
  'CancellationDeclined',
  'OrderCancelled',
  'ReturnRequested',
  'ReturnReceived',
  'OrderRefunded',
];

/** The payment events that move an order's payment axis; the others change nothing shown here. */
const PAYMENT_EVENT_TYPES: readonly PaymentEvent['type'][] = [
  'PaymentStarted',
  'PaymentAuthorized',
  'AuthorizationFailed',
  'PaymentCaptured',
  'PaymentVoided',
];

const isOrderEvent = (type: string): boolean => (ORDER_EVENT_TYPES as readonly string[]).includes(type);

const orderEventTime = (event: OrderEvent): string => {
  switch (event.type) {
    case 'OrderPlaced':
      return event.data.placedAt;
    case 'OrderStockReserved':
      return event.data.reservedAt;
    case 'OrderRejected':
      return event.data.rejectedAt;
    case 'OrderPaid':
      return event.data.paidAt;
    case 'OrderExpired':
      return event.data.expiredAt;
    case 'OrderShipped':
      return event.data.shippedAt;
    case 'OrderDelivered':
      return event.data.deliveredAt;
    case 'OrderCompleted':
      return event.data.completedAt;
    case 'CancellationRequested':
    case 'ReturnRequested':
      return event.data.requestedAt;
    case 'CancellationDeclined':
      return event.data.declinedAt;
    case 'OrderCancelled':
      return event.data.cancelledAt;
    case 'ReturnReceived':
      return event.data.receivedAt;
    case 'OrderRefunded':
      return event.data.refundedAt;
    default:
      return assertNever(event, 'order event');
  }
};

/** The payment axis only moves forward: a late "started" never hides a capture. */
const PAYMENT_RANK: Record<OrderPaymentStatus, number> = {
  none: 0,
  started: 1,
  authorized: 2,
  authorization_failed: 2,
  captured: 3,
  voided: 3,
  partially_refunded: 4,
  refunded: 5,
};

const advancePayment = (row: OrderRow, to: OrderPaymentStatus): void => {
  if (PAYMENT_RANK[to] > PAYMENT_RANK[row.payment_status]) row.payment_status = to;
};

type Batch = Readonly<{
  orders: Map<string, OrderRow>;
  sales: Map<string, SalesRow>;
  lines: Row[];
  timeline: Row[];
}>;

const salesKey = (sellerId: string, currency: string): string => `${sellerId}\u0000${currency}`;

const salesOf = (batch: Batch, row: OrderRow, at: string): SalesRow => {
  const key = salesKey(row.seller_id, row.currency);
  let sales = batch.sales.get(key);
  if (sales === undefined) {
    sales = {
      seller_id: row.seller_id,
      currency: row.currency,
      orders_placed: 0,
      orders_paid: 0,
      orders_completed: 0,
      orders_cancelled: 0,
      gross_paid_minor: 0,
      refunded_minor: 0,
      updated_at: at,
    };
    batch.sales.set(key, sales);
  }
  sales.updated_at = at;
  return sales;
};

const placeOrder = (
  batch: Batch,
  event: Extract<OrderEvent, { type: 'OrderPlaced' }>,
  revision: number,
): OrderRow => {
  const d = event.data;
  if (batch.orders.has(d.orderId)) throw new ProjectionError(`order ${d.orderId} placed twice`);
  const row: OrderRow = {
    order_id: d.orderId,
    buyer_id: d.buyerId,
    seller_id: d.sellerId,
    currency: d.currency,
    total_minor: d.totalMinor,
    line_count: d.lines.length,
    item_count: d.lines.reduce((n, line) => n + line.quantity, 0),
    status: 'placed',
    payment_status: 'none',
    cancellation_status: 'none',
    return_status: 'none',
    payment_id: null,
    paid_minor: 0,
    refund_due_minor: 0,
    refunded_minor: 0,
    fee_schedule_id: d.feeSchedule.id,
    reason: null,
    carrier: null,
    tracking_number: null,
    placed_at: d.placedAt,
    payment_deadline: null,
    paid_at: null,
    shipped_at: null,
    delivered_at: null,
    completed_at: null,
    completed_how: null,
    cancelled_at: null,
    updated_at: d.placedAt,
    revision,
  };
  batch.orders.set(d.orderId, row);
  d.lines.forEach((line, lineNo) => {
    batch.lines.push({
      order_id: d.orderId,
      line_no: lineNo,
      listing_id: line.listingId,
      sku: line.sku,
      quantity: line.quantity,
      unit_price_minor: line.unitPriceMinor,
      line_total_minor: line.lineTotalMinor,
    });
  });
  salesOf(batch, row, d.placedAt).orders_placed += 1;
  return row;
};

const foldOrder = (batch: Batch, event: OrderEvent, revision: number): OrderRow => {
  if (event.type === 'OrderPlaced') return placeOrder(batch, event, revision);
  const row = required(batch.orders.get(event.data.orderId), `order ${event.data.orderId}`);
  const at = orderEventTime(event);
  row.updated_at = at;
  row.revision = revision;
  switch (event.type) {
    case 'OrderStockReserved':
      row.status = 'awaiting_payment';
      row.payment_deadline = event.data.paymentDeadline;
      break;
    case 'OrderRejected':
      row.status = 'rejected';
      row.reason = event.data.reason;
      break;
    case 'OrderPaid': {
      row.status = 'paid';
      row.payment_id = event.data.paymentId;
      row.paid_minor = event.data.amountMinor;
      row.paid_at = event.data.paidAt;
      advancePayment(row, 'captured');
      const sales = salesOf(batch, row, at);
      sales.orders_paid += 1;
      sales.gross_paid_minor += event.data.amountMinor;
      break;
    }
    case 'OrderExpired':
      row.status = 'expired';
      break;
    case 'OrderShipped':
      row.status = 'shipped';
      row.carrier = event.data.carrier;
      row.tracking_number = event.data.trackingNumber;
      row.shipped_at = event.data.shippedAt;
      break;
    case 'OrderDelivered':
      row.status = 'delivered';
      row.delivered_at = event.data.deliveredAt;
      break;
    case 'OrderCompleted':
      row.status = 'completed';
      row.completed_at = event.data.completedAt;
      row.completed_how = event.data.how;
      salesOf(batch, row, at).orders_completed += 1;
      break;
    case 'CancellationRequested':
      row.status = 'cancellation_requested';
      row.cancellation_status = 'requested';
      row.reason = event.data.reason;
      break;
    case 'CancellationDeclined':
      row.status = 'paid';
      row.cancellation_status = 'declined';
      row.reason = event.data.reason;
      break;
    case 'OrderCancelled':
      row.status = 'cancelled';
      row.cancellation_status = 'cancelled';
      row.reason = event.data.reason;
      row.refund_due_minor = event.data.refundDueMinor;
      row.cancelled_at = event.data.cancelledAt;
      salesOf(batch, row, at).orders_cancelled += 1;
      break;
    case 'ReturnRequested':
      row.status = 'return_requested';
      row.return_status = 'requested';
      row.reason = event.data.reason;
      break;
    case 'ReturnReceived':
      row.status = 'return_received';
      row.return_status = 'received';
      row.refund_due_minor = event.data.refundDueMinor;
      break;
    case 'OrderRefunded': {
      const before = row.refunded_minor;
      row.refunded_minor = event.data.totalRefundedMinor;
      if (event.data.fullyRefunded) {
        row.status = 'refunded';
        if (row.return_status === 'received') row.return_status = 'refunded';
      }
      advancePayment(row, row.refunded_minor >= row.paid_minor ? 'refunded' : 'partially_refunded');
      salesOf(batch, row, at).refunded_minor += row.refunded_minor - before;
      break;
    }
    default:
      assertNever(event, 'order event');
  }
  return row;
};

const foldPayment = (batch: Batch, event: PaymentEvent): void => {
  // A payment for an order this read model has not seen changes nothing shown here.
  const row = batch.orders.get(event.data.orderId);
  if (row === undefined) return;
  switch (event.type) {
    case 'PaymentStarted':
      row.payment_id ??= event.data.paymentId;
      advancePayment(row, 'started');
      return;
    case 'PaymentAuthorized':
      advancePayment(row, 'authorized');
      return;
    case 'AuthorizationFailed':
      advancePayment(row, 'authorization_failed');
      return;
    case 'PaymentCaptured':
      advancePayment(row, 'captured');
      return;
    case 'PaymentVoided':
      advancePayment(row, 'voided');
      return;
    case 'CaptureRequested':
    case 'CaptureFailed':
    case 'VoidRequested':
    case 'VoidFailed':
    case 'RefundRequested':
    case 'PaymentRefunded':
    case 'RefundFailed':
      return;
    default:
      assertNever(event, 'payment event');
  }
};

/** What the timeline shows of an event: its data without the bulky parts the order row already has. */
const detailOf = (event: OrderEvent): Row => {
  const { orderId: _orderId, ...rest } = event.data as Readonly<Record<string, unknown>> & {
    orderId: string;
  };
  if (event.type === 'OrderPlaced' || event.type === 'OrderCompleted') {
    const { lines: _lines, feeSchedule, ...kept } = rest;
    return { ...kept, feeScheduleId: (feeSchedule as { id: string }).id };
  }
  return rest;
};

/** Orders with lines, status axes and timeline; per-seller sales. */
export const ordersProjection: Projection = {
  name: 'orders',
  schema: ordersSchema,
  handles: new Set<string>([...ORDER_EVENT_TYPES, ...PAYMENT_EVENT_TYPES]),
  apply: async (db, t, events, store = sqlRows(db, t)) => {
    const messages = events.map((event) => ({
      event,
      message: asMessage<OrderEvent | PaymentEvent>(event),
    }));
    const orderIds = messages.map((m) => m.message.data.orderId);
    const orders = new Map(
      (await store.load<OrderRow>('orders', 'order_id', orderIds)).map((r) => [r.order_id, r]),
    );
    const pairs = new Map<string, readonly [string, string]>();
    for (const row of orders.values())
      pairs.set(salesKey(row.seller_id, row.currency), [row.seller_id, row.currency]);
    for (const { message } of messages) {
      if (message.type === 'OrderPlaced') {
        const { sellerId, currency } = message.data;
        pairs.set(salesKey(sellerId, currency), [sellerId, currency]);
      }
    }
    const sales = new Map(
      (await store.loadByPair<SalesRow>('seller_sales', ['seller_id', 'currency'], pairs.values())).map(
        (r) => [salesKey(r.seller_id, r.currency), r],
      ),
    );
    const batch: Batch = { orders, sales, lines: [], timeline: [] };
    const touched = new Set<string>();
    const touchedSales = new Set<string>();
    for (const { event, message } of messages) {
      if (isOrderEvent(message.type)) {
        const orderEvent = message as OrderEvent;
        const row = foldOrder(batch, orderEvent, event.revision);
        batch.timeline.push({
          order_id: row.order_id,
          revision: event.revision,
          event_id: event.eventId,
          event_type: event.type,
          status: row.status,
          at: orderEventTime(orderEvent),
          detail: detailOf(orderEvent),
        });
        touched.add(row.order_id);
        touchedSales.add(salesKey(row.seller_id, row.currency));
      } else {
        foldPayment(batch, message as PaymentEvent);
        if (orders.has(message.data.orderId)) touched.add(message.data.orderId);
      }
    }
    await store.upsert(
      'orders',
      ['order_id'],
      [...touched].map((id) => required(orders.get(id), id)),
    );
    await store.insert('lines', batch.lines);
    await store.insert('timeline', batch.timeline);
    await store.upsert(
      'seller_sales',
      ['seller_id', 'currency'],
      [...touchedSales].flatMap((key) => {
        const row = sales.get(key);
        return row === undefined ? [] : [row];
      }),
    );
  },
};
