import { sql } from 'kysely';
import { dropViews, index } from '../read-models/tables.ts';
import type { ProjectionSchema } from '../read-models/tables.ts';

/**
 * Catalog: every listing with its price and status, and the stock of its SKU
 * (kept here too, so the catalog is one projection with one checkpoint and the
 * `listings` view needs no other projection's tables).
 */
export const catalogSchema: ProjectionSchema = {
  tables: ['listings', 'stock'],
  views: ['listings'],
  createTables: async (db, t) => {
    await sql`
      create table ${t.table('listings')} (
        listing_id        text primary key,
        seller_id         text not null,
        sku               text not null,
        title             text not null,
        price_minor       bigint not null,
        currency          text not null,
        currency_exponent smallint not null,
        status            text not null,
        created_at        timestamptz not null,
        published_at      timestamptz,
        updated_at        timestamptz not null,
        revision          integer not null
      )`.execute(db);
    await sql`
      create table ${t.table('stock')} (
        sku      text primary key,
        on_hand           integer not null,
        reserved          integer not null,
        open_reservations integer not null
      )`.execute(db);
  },
  createIndexes: async (db, t) => {
    // Filters by status (and seller), sorted by price or age, listing_id breaking ties for stable cursors.
    await index(db, t, 'listings', 'status_price_idx', sql`(status, price_minor, listing_id)`);
    await index(db, t, 'listings', 'status_created_idx', sql`(status, created_at, listing_id)`);
    await index(db, t, 'listings', 'seller_idx', sql`(seller_id, status, created_at, listing_id)`);
    await index(db, t, 'listings', 'sku_idx', sql`(sku)`);
    await index(db, t, 'listings', 'title_trgm_idx', sql`using gin (title gin_trgm_ops)`);
  },
  createViews: async (db, t) => {
    await dropViews(db, t, ['listings']);
    await sql`
      create view ${t.view('listings')} as
      select l.listing_id, l.seller_id, l.sku, l.title, l.price_minor, l.currency, l.currency_exponent,
             l.status,
             coalesce(s.on_hand, 0) as on_hand,
             coalesce(s.reserved, 0) as reserved,
             greatest(coalesce(s.on_hand, 0) - coalesce(s.reserved, 0), 0) as available,
             l.created_at, l.published_at, l.updated_at, l.revision
        from ${t.table('listings')} l
        left join ${t.table('stock')} s on s.sku = l.sku`.execute(db);
  },
};
