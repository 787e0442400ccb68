import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Listing } from '../../projections/read-models/schema.ts';
import { requireScope } from '../auth.ts';
import { sendSerialized } from '../caching.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { apiError, problemResponses } from '../errors.ts';
import { PROJECTIONS, servedBy } from '../reading.ts';
import type { ReadContext } from '../reading.ts';
import {
  Currency,
  Cursor,
  Id,
  Instant,
  Minor,
  NextCursor,
  NullableInstant,
  PageSize,
  Params,
  Query,
  ReadHeaders,
  int,
  iso,
  isoOrNull,
} from '../schemas.ts';

const ListingStatus = Type.Enum(['draft', 'active', 'soldOut', 'withdrawn'], {
  description: 'Lifecycle status of the listing.',
});

const SORTS = ['newest', 'oldest', 'price_asc', 'price_desc'] as const;
type Sort = (typeof SORTS)[number];

export const ListingSchema = Type.Object(
  {
    listingId: Type.String(),
    sellerId: Type.String(),
    sku: Type.String(),
    title: Type.String(),
    price: Type.Object({ amountMinor: Minor, currency: Type.String(), currencyExponent: Type.Integer() }),
    status: ListingStatus,
    stock: Type.Object({
      onHand: Type.Integer(),
      reserved: Type.Integer(),
      available: Type.Integer({ description: 'On hand minus reserved: what can still be bought.' }),
    }),
    createdAt: Instant,
    publishedAt: NullableInstant,
    updatedAt: Instant,
    revision: Type.Integer({ description: 'Revision of the listing stream last applied.' }),
  },
  { additionalProperties: false },
);

const ListingPageSchema = Type.Object({
  items: Type.Array(ListingSchema),
  nextCursor: NextCursor,
});

const CatalogQuery = Query({
  seller: Type.Optional(Id),
  status: Type.Optional(ListingStatus),
  minPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  maxPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  currency: Type.Optional(Currency),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Text the title contains (case-insensitive).' }),
  ),
  sort: Type.Optional(
    Type.Enum(SORTS, {
      description: 'newest (default), oldest, price_asc, price_desc; ties broken by listing id.',
    }),
  ),
  limit: Type.Optional(PageSize),
  cursor: Type.Optional(Cursor),
});

export const toListing = (row: Listing) => ({
  listingId: row.listing_id,
  sellerId: row.seller_id,
  sku: row.sku,
  title: row.title,
  price: {
    amountMinor: int(row.price_minor, 'price_minor'),
    currency: row.currency,
    currencyExponent: row.currency_exponent,
  },
  status: row.status,
  stock: { onHand: row.on_hand, reserved: row.reserved, available: row.available },
  createdAt: iso(row.created_at),
  publishedAt: isoOrNull(row.published_at),
  updatedAt: iso(row.updated_at),
  revision: row.revision,
});

/**
 * The 200 body of `GET /listings/:id`, serialized once when the listing is
 * read (the listing cache keeps these bytes and their ETag). `toListing`
 * builds exactly the schema's properties in its order, so this is what the
 * response schema's serializer would send.
 */
export const renderListing = (row: Listing): string => JSON.stringify(toListing(row));

/** `%` and `_` in the user's text are literal, not wildcards. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The catalog: a filtered, keyset-paginated list of listings, and one listing with its stock. */
export const catalogRoutes: FastifyPluginAsyncTypebox<ReadContext> = (app, ctx) => {
  const { db, settings } = ctx;
  const fresh = servedBy(ctx, PROJECTIONS.catalog);
  const scoped = requireScope('reader', 'seller', 'auditor');

  app.get(
    '/listings',
    {
      onRequest: scoped,
      preHandler: fresh,
      schema: {
        tags: ['catalog'],
        summary: 'List and filter listings',
        description:
          'Filters combine with AND. Default status: active. Pages are keyset-paginated with an ' +
          'opaque `cursor`; the order is stable (ties broken by listing id).',
        querystring: CatalogQuery,
        headers: ReadHeaders,
        response: { 200: ListingPageSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const sort: Sort = q.sort ?? 'newest';
      const status = q.status ?? 'active';
      const limit = q.limit ?? 20;
      if (q.minPrice !== undefined && q.maxPrice !== undefined && q.minPrice > q.maxPrice) {
        throw apiError('invalid-query', 'minPrice must not exceed maxPrice.');
      }
      // The cursor is bound to everything that shapes the result, except the page size.
      const context = JSON.stringify([
        'listings',
        sort,
        status,
        q.seller ?? null,
        q.minPrice ?? null,
        q.maxPrice ?? null,
        q.currency ?? null,
        q.q ?? null,
      ]);
      const byPrice = sort === 'price_asc' || sort === 'price_desc';
      const descending = sort === 'newest' || sort === 'price_desc';
      const dir = descending ? 'desc' : 'asc';
      const cmp = descending ? '<' : '>';

      let query = db
        .selectFrom('listings')
        .selectAll()
        .select(sql<string>`created_at::text`.as('created_key'))
        .where('status', '=', status);
      if (q.seller !== undefined) query = query.where('seller_id', '=', q.seller);
      if (q.currency !== undefined) query = query.where('currency', '=', q.currency);
      if (q.minPrice !== undefined) query = query.where('price_minor', '>=', String(q.minPrice) as never);
      if (q.maxPrice !== undefined) query = query.where('price_minor', '<=', String(q.maxPrice) as never);
      if (q.q !== undefined) query = query.where('title', 'ilike', likePattern(q.q));
      if (q.cursor !== undefined) {
        const [key, id] = decodeCursor(settings.cursorSecret, context, q.cursor, [
          byPrice ? 'number' : 'string',
          'string',
        ]);
        query = byPrice
          ? query.where(sql<boolean>`(price_minor, listing_id) ${sql.raw(cmp)} (${key}::bigint, ${id})`)
          : query.where(sql<boolean>`(created_at, listing_id) ${sql.raw(cmp)} (${key}::timestamptz, ${id})`);
      }
      query = byPrice
        ? query.orderBy('price_minor', dir).orderBy('listing_id', dir)
        : query.orderBy('created_at', dir).orderBy('listing_id', dir);
      const rows = await query.limit(limit + 1).execute();

      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last !== undefined
          ? encodeCursor(settings.cursorSecret, context, [
              byPrice ? int(last.price_minor, 'price_minor') : last.created_key,
              last.listing_id,
            ])
          : null;
      return { items: page.map(toListing), nextCursor };
    },
  );

  app.get(
    '/listings/:listingId',
    {
      onRequest: scoped,
      preHandler: fresh,
      schema: {
        tags: ['catalog'],
        summary: 'One listing with its available stock',
        params: Params({ listingId: Id }),
        querystring: Query({}),
        headers: ReadHeaders,
        response: { 200: ListingSchema, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    // Not async: a cache hit is answered in this call, with no promise; a miss waits for its batch.
    (request, reply) => {
      const found = ctx.listings.read(request.params.listingId);
      if (!(found instanceof Promise)) {
        void sendSerialized(reply, found.body, found.etag);
        return undefined;
      }
      return found.then(async (listing) => {
        if (listing === null) throw apiError('not-found', 'No such listing.');
        // Serialized when read (`renderListing`): sent as is, with the ETag computed then. Awaiting
        // the reply resolves once it is sent, so fastify does not send again.
        await sendSerialized(reply, listing.body, listing.etag);
      });
    },
  );
  return Promise.resolve();
};
