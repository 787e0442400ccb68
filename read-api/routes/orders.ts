import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { Order, ReadModelDatabase } from '../../projections/read-models/schema.ts';
import { principalOf, requireScope } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { apiError, problemResponses } from '../errors.ts';
import { PROJECTIONS, servedBy } from '../reading.ts';
import type { ReadContext } from '../reading.ts';
import {
  Cursor,
  Id,
  Instant,
  Minor,
  NextCursor,
  NullableInstant,
  NullableString,
  PageSize,
  Params,
  Query,
  ReadHeaders,
  int,
  iso,
  isoOrNull,
} from '../schemas.ts';

const ORDER_STATUSES = [
  'placed',
  'awaiting_payment',
  'rejected',
  'expired',
  'paid',
  'cancellation_requested',
  'cancelled',
  'shipped',
  'delivered',
  'completed',
  'return_requested',
  'return_received',
  'refunded',
] as const;

export const OrderStatus = Type.Enum(ORDER_STATUSES, { description: 'Lifecycle status of the order.' });

export const OrderSummarySchema = Type.Object(
  {
    orderId: Type.String(),
    buyerId: Type.String(),
    sellerId: Type.String(),
    status: OrderStatus,
    paymentStatus: Type.String(),
    cancellationStatus: Type.String(),
    returnStatus: Type.String(),
    currency: Type.String(),
    totalMinor: Minor,
    paidMinor: Minor,
    refundDueMinor: Minor,
    refundedMinor: Minor,
    lineCount: Type.Integer(),
    itemCount: Type.Integer(),
    placedAt: Instant,
    updatedAt: Instant,
    revision: Type.Integer({ description: 'Revision of the order stream last applied.' }),
  },
  { additionalProperties: false },
);

const OrderLineSchema = Type.Object({
  lineNo: Type.Integer(),
  listingId: Type.String(),
  sku: Type.String(),
  quantity: Type.Integer(),
  unitPriceMinor: Minor,
  lineTotalMinor: Minor,
});

const TimelineEntrySchema = Type.Object({
  revision: Type.Integer(),
  eventId: Type.String(),
  type: Type.String({ description: 'The order event, e.g. OrderPaid.' }),
  status: OrderStatus,
  at: Instant,
  detail: Type.Record(Type.String(), Type.Unknown(), {
    description: 'What the event said (reason, carrier…).',
  }),
});

const OrderSchema = Type.Object(
  {
    ...OrderSummarySchema.properties,
    feeScheduleId: Type.String(),
    paymentId: NullableString,
    reason: NullableString,
    carrier: NullableString,
    trackingNumber: NullableString,
    paymentDeadline: NullableInstant,
    paidAt: NullableInstant,
    shippedAt: NullableInstant,
    deliveredAt: NullableInstant,
    completedAt: NullableInstant,
    completedHow: NullableString,
    cancelledAt: NullableInstant,
    lines: Type.Array(OrderLineSchema),
    timeline: Type.Array(TimelineEntrySchema),
  },
  { additionalProperties: false },
);

export const OrderPageSchema = Type.Object({ items: Type.Array(OrderSummarySchema), nextCursor: NextCursor });

export const toOrderSummary = (row: Order) => ({
  orderId: row.order_id,
  buyerId: row.buyer_id,
  sellerId: row.seller_id,
  status: row.status,
  paymentStatus: row.payment_status,
  cancellationStatus: row.cancellation_status,
  returnStatus: row.return_status,
  currency: row.currency,
  totalMinor: int(row.total_minor, 'total_minor'),
  paidMinor: int(row.paid_minor, 'paid_minor'),
  refundDueMinor: int(row.refund_due_minor, 'refund_due_minor'),
  refundedMinor: int(row.refunded_minor, 'refunded_minor'),
  lineCount: row.line_count,
  itemCount: row.item_count,
  placedAt: iso(row.placed_at),
  updatedAt: iso(row.updated_at),
  revision: row.revision,
});

export const OrderListQuery = Query({
  status: Type.Optional(OrderStatus),
  limit: Type.Optional(PageSize),
  cursor: Type.Optional(Cursor),
});

/**
 * A page of orders of one buyer or one seller, newest first (order id breaks
 * ties), keyset-paginated with a cursor bound to the party and the filter.
 */
export const orderPage = async (
  db: Kysely<ReadModelDatabase>,
  secret: Buffer,
  party: Readonly<{ column: 'buyer_id' | 'seller_id'; id: string }>,
  q: Readonly<{ status?: (typeof ORDER_STATUSES)[number]; limit?: number; cursor?: string }>,
) => {
  const limit = q.limit ?? 20;
  const context = JSON.stringify(['orders', party.column, party.id, q.status ?? null]);
  let query = db
    .selectFrom('orders')
    .selectAll()
    .select(sql<string>`placed_at::text`.as('placed_key'))
    .where(party.column, '=', party.id);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.cursor !== undefined) {
    const [key, id] = decodeCursor(secret, context, q.cursor, ['string', 'string']);
    query = query.where(sql<boolean>`(placed_at, order_id) < (${key}::timestamptz, ${id})`);
  }
  const rows = await query
    .orderBy('placed_at', 'desc')
    .orderBy('order_id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toOrderSummary),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor(secret, context, [last.placed_key, last.order_id])
        : null,
  };
};

const detailOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** One order with its lines and timeline; a buyer's orders. */
export const orderRoutes: FastifyPluginAsyncTypebox<ReadContext> = (app, ctx) => {
  const { db, settings } = ctx;
  const fresh = servedBy(ctx, PROJECTIONS.orders);

  app.get(
    '/orders/:orderId',
    {
      onRequest: requireScope('reader', 'seller'),
      preHandler: fresh,
      schema: {
        tags: ['orders'],
        summary: 'One order with its lines, status and timeline',
        description: "A seller key sees only its own sellers' orders; any other answers 404.",
        params: Params({ orderId: Id }),
        querystring: Query({}),
        headers: ReadHeaders,
        response: { 200: OrderSchema, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { orderId } = request.params;
      const row = await db
        .selectFrom('orders')
        .selectAll()
        .where('order_id', '=', orderId)
        .executeTakeFirst();
      // Another seller's order is answered exactly like a missing one: existence is not revealed.
      if (row === undefined || (principal.scope === 'seller' && principal.sellerId !== row.seller_id)) {
        throw apiError('not-found', 'No such order.');
      }
      const [lines, timeline] = await Promise.all([
        db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute(),
        db
          .selectFrom('order_timeline')
          .selectAll()
          .where('order_id', '=', orderId)
          .orderBy('revision')
          .execute(),
      ]);
      return {
        ...toOrderSummary(row),
        feeScheduleId: row.fee_schedule_id,
        paymentId: row.payment_id,
        reason: row.reason,
        carrier: row.carrier,
        trackingNumber: row.tracking_number,
        paymentDeadline: isoOrNull(row.payment_deadline),
        paidAt: isoOrNull(row.paid_at),
        shippedAt: isoOrNull(row.shipped_at),
        deliveredAt: isoOrNull(row.delivered_at),
        completedAt: isoOrNull(row.completed_at),
        completedHow: row.completed_how,
        cancelledAt: isoOrNull(row.cancelled_at),
        lines: lines.map((l) => ({
          lineNo: l.line_no,
          listingId: l.listing_id,
          sku: l.sku,
          quantity: l.quantity,
          unitPriceMinor: int(l.unit_price_minor, 'unit_price_minor'),
          lineTotalMinor: int(l.line_total_minor, 'line_total_minor'),
        })),
        timeline: timeline.map((t) => ({
          revision: t.revision,
          eventId: t.event_id,
          type: t.event_type,
          status: t.status,
          at: iso(t.at),
          detail: detailOf(t.detail),
        })),
      };
    },
  );

  app.get(
    '/buyers/:buyerId/orders',
    {
      onRequest: requireScope('reader'),
      preHandler: fresh,
      schema: {
        tags: ['orders'],
        summary: "A buyer's orders, newest first",
        params: Params({ buyerId: Id }),
        querystring: OrderListQuery,
        headers: ReadHeaders,
        response: { 200: OrderPageSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    (request) =>
      orderPage(db, settings.cursorSecret, { column: 'buyer_id', id: request.params.buyerId }, request.query),
  );
  return Promise.resolve();
};
