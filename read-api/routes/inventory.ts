import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireScope } from '../auth.ts';
import { apiError, problemResponses } from '../errors.ts';
import { PROJECTIONS, servedBy } from '../reading.ts';
import type { ReadContext } from '../reading.ts';
import { Id, Instant, Params, Query, ReadHeaders, iso } from '../schemas.ts';

const InventoryLevelSchema = Type.Object(
  {
    sku: Type.String(),
    onHand: Type.Integer(),
    reserved: Type.Integer({ description: 'Held by open reservations of orders awaiting payment.' }),
    available: Type.Integer({ description: 'On hand minus reserved.' }),
    openReservations: Type.Integer(),
    updatedAt: Instant,
    revision: Type.Integer({ description: 'Revision of the inventory stream last applied.' }),
  },
  { additionalProperties: false },
);

/** Stock levels of one SKU. */
export const inventoryRoutes: FastifyPluginAsyncTypebox<ReadContext> = (app, ctx) => {
  app.get(
    '/inventory/:sku',
    {
      onRequest: requireScope('reader', 'seller', 'auditor'),
      preHandler: servedBy(ctx, PROJECTIONS.inventory),
      schema: {
        tags: ['inventory'],
        summary: "One SKU's stock levels",
        params: Params({ sku: Id }),
        querystring: Query({}),
        headers: ReadHeaders,
        response: { 200: InventoryLevelSchema, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const row = await ctx.db
        .selectFrom('inventory_levels')
        .selectAll()
        .where('sku', '=', request.params.sku)
        .executeTakeFirst();
      if (row === undefined) throw apiError('not-found', 'No such SKU.');
      return {
        sku: row.sku,
        onHand: row.on_hand,
        reserved: row.reserved,
        available: row.available,
        openReservations: row.open_reservations,
        updatedAt: iso(row.updated_at),
        revision: row.revision,
      };
    },
  );
  return Promise.resolve();
};
