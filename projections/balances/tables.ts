import { sql } from 'kysely';
import { dropViews } from '../read-models/tables.ts';
import type { ProjectionSchema } from '../read-models/tables.ts';

/**
 * Seller balances per currency, summed from the ledger postings of the seller
 * account stream (see domain/seller-account/ledger.ts for the accounts).
 */
export const balancesSchema: ProjectionSchema = {
  tables: ['balances'],
  views: ['seller_balances'],
  createTables: async (db, t) => {
    await sql`
      create table ${t.table('balances')} (
        seller_id            text not null,
        currency             text not null,
        escrow_minor         bigint not null,
        available_minor      bigint not null,
        payout_pending_minor bigint not null,
        paid_out_minor       bigint not null,
        fees_minor           bigint not null,
        refunded_minor       bigint not null,
        received_minor       bigint not null,
        entries              integer not null,
        updated_at           timestamptz not null,
        revision             integer not null,
        primary key (seller_id, currency)
      )`.execute(db);
  },
  createIndexes: () => Promise.resolve(),
  createViews: async (db, t) => {
    await dropViews(db, t, ['seller_balances']);
    await sql`create view ${t.view('seller_balances')} as select * from ${t.table('balances')}`.execute(db);
  },
};
