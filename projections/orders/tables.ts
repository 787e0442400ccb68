import { sql } from 'kysely';
import { dropViews, index } from '../read-models/tables.ts';
import type { ProjectionSchema } from '../read-models/tables.ts';

/** Orders with their lines and timeline, and per-seller sales totals. */
export const ordersSchema: ProjectionSchema = {
  tables: ['orders', 'lines', 'timeline', 'seller_sales'],
  views: ['orders', 'order_lines', 'order_timeline', 'seller_sales'],
  createTables: async (db, t) => {
    await sql`
      create table ${t.table('orders')} (
        order_id            text primary key,
        buyer_id            text not null,
        seller_id           text not null,
        currency            text not null,
        total_minor         bigint not null,
        line_count          integer not null,
        item_count          integer not null,
        status              text not null,
        payment_status      text not null,
        cancellation_status text not null,
        return_status       text not null,
        payment_id          text,
        paid_minor          bigint not null,
        refund_due_minor    bigint not null,
        refunded_minor      bigint not null,
        fee_schedule_id     text not null,
        reason              text,
        carrier             text,
        tracking_number     text,
        placed_at           timestamptz not null,
        payment_deadline    timestamptz,
        paid_at             timestamptz,
        shipped_at          timestamptz,
        delivered_at        timestamptz,
        completed_at        timestamptz,
        completed_how       text,
        cancelled_at        timestamptz,
        updated_at          timestamptz not null,
        revision            integer not null
      )`.execute(db);
    await sql`
      create table ${t.table('lines')} (
        order_id         text not null,
        line_no          integer not null,
        listing_id       text not null,
        sku              text not null,
        quantity         integer not null,
        unit_price_minor bigint not null,
        line_total_minor bigint not null,
        primary key (order_id, line_no)
      )`.execute(db);
    await sql`
      create table ${t.table('timeline')} (
        order_id   text not null,
        revision   integer not null,
        event_id   uuid not null,
        event_type text not null,
        status     text not null,
        at         timestamptz not null,
        detail     jsonb not null,
        primary key (order_id, revision)
      )`.execute(db);
    await sql`
      create table ${t.table('seller_sales')} (
        seller_id         text not null,
        currency          text not null,
        orders_placed     integer not null,
        orders_paid       integer not null,
        orders_completed  integer not null,
        orders_cancelled  integer not null,
        gross_paid_minor  bigint not null,
        refunded_minor    bigint not null,
        updated_at        timestamptz not null,
        primary key (seller_id, currency)
      )`.execute(db);
  },
  createIndexes: async (db, t) => {
    await index(db, t, 'orders', 'buyer_idx', sql`(buyer_id, placed_at desc, order_id desc)`);
    await index(db, t, 'orders', 'seller_idx', sql`(seller_id, placed_at desc, order_id desc)`);
    await index(db, t, 'orders', 'payment_idx', sql`(payment_id) where payment_id is not null`);
  },
  createViews: async (db, t) => {
    await dropViews(db, t, ['orders', 'order_lines', 'order_timeline', 'seller_sales']);
    await sql`create view ${t.view('orders')} as select * from ${t.table('orders')}`.execute(db);
    await sql`create view ${t.view('order_lines')} as select * from ${t.table('lines')}`.execute(db);
    await sql`create view ${t.view('order_timeline')} as select * from ${t.table('timeline')}`.execute(db);
    await sql`create view ${t.view('seller_sales')} as select * from ${t.table('seller_sales')}`.execute(db);
  },
};
