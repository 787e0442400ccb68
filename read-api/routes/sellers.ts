import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { forbidden, maySeeSeller, principalOf, requireScope } from '../auth.ts';
import { problemResponses } from '../errors.ts';
import { PROJECTIONS, servedBy } from '../reading.ts';
import type { ReadContext } from '../reading.ts';
import { Id, Instant, Minor, NextCursor, Params, ReadHeaders, Query, int, iso } from '../schemas.ts';
import { OrderListQuery, OrderSummarySchema, orderPage } from './orders.ts';

const SalesTotalsSchema = Type.Object({
  currency: Type.String(),
  ordersPlaced: Type.Integer(),
  ordersPaid: Type.Integer(),
  ordersCompleted: Type.Integer(),
  ordersCancelled: Type.Integer(),
  grossPaidMinor: Minor,
  refundedMinor: Minor,
  updatedAt: Instant,
});

const SalesSchema = Type.Object(
  {
    sellerId: Type.String(),
    totals: Type.Array(SalesTotalsSchema, { description: 'One entry per currency sold in.' }),
    orders: Type.Array(OrderSummarySchema),
    nextCursor: NextCursor,
  },
  { additionalProperties: false },
);

const BalanceSchema = Type.Object(
  {
    sellerId: Type.String(),
    balances: Type.Array(
      Type.Object({
        currency: Type.String(),
        escrowMinor: Type.Integer({ description: 'Held for orders not yet completed.' }),
        availableMinor: Type.Integer({ description: 'Released to the seller, not yet paid out.' }),
        payoutPendingMinor: Type.Integer({ description: 'Payout requested, transfer in flight.' }),
        paidOutMinor: Type.Integer(),
        feesMinor: Type.Integer(),
        refundedMinor: Type.Integer(),
        receivedMinor: Type.Integer(),
        entries: Type.Integer(),
        updatedAt: Instant,
        revision: Type.Integer(),
      }),
      { description: 'One entry per currency; empty for a seller with no ledger entries.' },
    ),
  },
  { additionalProperties: false },
);

const SellerParams = Params({ sellerId: Id });

/**
 * A seller key reads only its own seller; admin any; everyone else is refused
 * alike. Runs before validation (onRequest), on the raw path parameter: a
 * malformed id is no one's, so it is refused the same way.
 */
const ownSellerOnly = (request: FastifyRequest): Promise<void> => {
  const { sellerId } = request.params as { sellerId: string };
  if (!maySeeSeller(principalOf(request), sellerId)) throw forbidden();
  return Promise.resolve();
};

/** A seller's sales and balance, for that seller (and admin) only. */
export const sellerRoutes: FastifyPluginAsyncTypebox<ReadContext> = (app, ctx) => {
  const { db, settings } = ctx;

  app.get(
    '/sellers/:sellerId/sales',
    {
      onRequest: [requireScope('seller'), ownSellerOnly],
      preHandler: servedBy(ctx, PROJECTIONS.orders),
      schema: {
        tags: ['sellers'],
        summary: "A seller's sales: totals per currency and its orders, newest first",
        params: SellerParams,
        querystring: OrderListQuery,
        headers: ReadHeaders,
        response: { 200: SalesSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { sellerId } = request.params;
      const [totals, page] = await Promise.all([
        db
          .selectFrom('seller_sales')
          .selectAll()
          .where('seller_id', '=', sellerId)
          .orderBy('currency')
          .execute(),
        orderPage(db, settings.cursorSecret, { column: 'seller_id', id: sellerId }, request.query),
      ]);
      return {
        sellerId,
        totals: totals.map((t) => ({
          currency: t.currency,
          ordersPlaced: t.orders_placed,
          ordersPaid: t.orders_paid,
          ordersCompleted: t.orders_completed,
          ordersCancelled: t.orders_cancelled,
          grossPaidMinor: int(t.gross_paid_minor, 'gross_paid_minor'),
          refundedMinor: int(t.refunded_minor, 'refunded_minor'),
          updatedAt: iso(t.updated_at),
        })),
        orders: page.items,
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/sellers/:sellerId/balance',
    {
      onRequest: [requireScope('seller'), ownSellerOnly],
      preHandler: servedBy(ctx, PROJECTIONS.balances),
      schema: {
        tags: ['sellers'],
        summary: "A seller's balance per currency: escrow, available, pending payout, paid out",
        params: SellerParams,
        querystring: Query({}),
        headers: ReadHeaders,
        response: { 200: BalanceSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { sellerId } = request.params;
      const rows = await db
        .selectFrom('seller_balances')
        .selectAll()
        .where('seller_id', '=', sellerId)
        .orderBy('currency')
        .execute();
      return {
        sellerId,
        balances: rows.map((r) => ({
          currency: r.currency,
          escrowMinor: int(r.escrow_minor, 'escrow_minor'),
          availableMinor: int(r.available_minor, 'available_minor'),
          payoutPendingMinor: int(r.payout_pending_minor, 'payout_pending_minor'),
          paidOutMinor: int(r.paid_out_minor, 'paid_out_minor'),
          feesMinor: int(r.fees_minor, 'fees_minor'),
          refundedMinor: int(r.refunded_minor, 'refunded_minor'),
          receivedMinor: int(r.received_minor, 'received_minor'),
          entries: r.entries,
          updatedAt: iso(r.updated_at),
          revision: r.revision,
        })),
      };
    },
  );
  return Promise.resolve();
};
