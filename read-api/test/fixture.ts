import { pino } from 'pino';
import type pg from 'pg';
import { loadConfig } from '../../infra/config.ts';
import { migrateEventStore } from '../../infra/event-store/postgres/open.ts';
import { createTestSchema } from '../../infra/postgres/test-database.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import { migrateReadModels } from '../../projections/read-models/install.ts';
import { buildApp } from '../app.ts';
import type { App } from '../app.ts';
import { loadReadApiSettings } from '../settings.ts';
import type { ReadApiSettings } from '../settings.ts';

/** The API keys of the tests, one per scope (two sellers). */
export const KEYS = {
  reader: 'reader-key-0000000000000001',
  auditor: 'auditor-key-000000000000002',
  admin: 'admin-key-00000000000000003',
  seller1: 'seller1-key-0000000000000004',
  seller2: 'seller2-key-0000000000000005',
} as const;

export const API_KEYS = [
  `${KEYS.reader}:reader`,
  `${KEYS.auditor}:auditor`,
  `${KEYS.admin}:admin`,
  `${KEYS.seller1}:seller:s-1`,
  `${KEYS.seller2}:seller:s-2`,
].join(',');

export const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Money no response to anyone but seller 2 and admin may ever contain. */
export const SELLER2_SECRET_AMOUNT = 987654321;

const BASE = Date.parse('2026-11-01T10:00:00.000Z');
const minutes = (n: number): Date => new Date(BASE + n * 60_000);
const pad = (n: number): string => n.toString().padStart(2, '0');

export type SeedListing = Readonly<{
  listingId: string;
  sellerId: string;
  sku: string;
  title: string;
  priceMinor: number;
  currency: string;
  status: string;
  createdAt: Date;
  onHand: number;
  reserved: number;
}>;

const TITLES = ['Red bike', 'Blue bike', 'Oak table', '100% cotton shirt', 'snake_case mug', 'Lamp'];

/** 24 listings with ties in price and creation time, so the tie-breaker matters. */
export const LISTINGS: readonly SeedListing[] = Array.from({ length: 24 }, (_, i) => ({
  listingId: `l-${pad(i)}`,
  sellerId: i % 2 === 0 ? 's-1' : 's-2',
  sku: `sku-${pad(i)}`,
  title: `${TITLES[i % TITLES.length] ?? 'Thing'} ${i}`,
  priceMinor: (i % 6) * 500 + 1000,
  currency: i % 8 === 7 ? 'GBP' : 'EUR',
  status: i === 5 ? 'draft' : i === 6 ? 'soldOut' : i % 7 === 3 ? 'withdrawn' : 'active',
  createdAt: minutes(Math.floor(i / 3)),
  onHand: 10,
  reserved: i % 4,
}));

export type SeedOrder = Readonly<{ orderId: string; buyerId: string; sellerId: string; placedAt: Date }>;

/** 25 orders of buyer b-1 (both sellers, ties in time) and one of b-2. */
export const ORDERS: readonly SeedOrder[] = [
  ...Array.from({ length: 25 }, (_, i) => ({
    orderId: `o-${pad(i)}`,
    buyerId: 'b-1',
    sellerId: i % 2 === 0 ? 's-1' : 's-2',
    placedAt: minutes(Math.floor(i / 2)),
  })),
  { orderId: 'o-99', buyerId: 'b-2', sellerId: 's-2', placedAt: minutes(100) },
];

type Row = Readonly<Record<string, unknown>>;

const ZERO_BY_TYPE: Readonly<Record<string, unknown>> = {
  integer: 0,
  bigint: 0,
  smallint: 0,
  'double precision': 0,
  numeric: 0,
  text: '',
  boolean: false,
  jsonb: {},
  uuid: '00000000-0000-0000-0000-000000000000',
  'timestamp with time zone': new Date(BASE),
};

/**
 * Inserts rows into a projection's physical table. Columns the test does not
 * name get a zero of their type, so the seed survives columns the projection
 * adds later.
 */
const insertRows = async (
  pool: pg.Pool,
  schema: string,
  table: string,
  rows: readonly Row[],
): Promise<void> => {
  const { rows: columns } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
    `select column_name, data_type, is_nullable from information_schema.columns
      where table_schema = $1 and table_name = $2 and column_default is null order by ordinal_position`,
    [schema, table],
  );
  if (columns.length === 0) throw new Error(`no table ${schema}.${table}`);
  for (const row of rows) {
    const names: string[] = [];
    const values: unknown[] = [];
    for (const c of columns) {
      if (Object.hasOwn(row, c.column_name)) values.push(row[c.column_name]);
      else if (c.is_nullable === 'YES') continue;
      else values.push(ZERO_BY_TYPE[c.data_type] ?? '');
      names.push(`"${c.column_name}"`);
    }
    const params = values.map((_, i) => `$${i + 1}`).join(', ');
    await pool.query(`insert into "${schema}"."${table}" (${names.join(', ')}) values (${params})`, values);
  }
};

const seed = async (pool: pg.Pool, schema: string): Promise<void> => {
  const insert = (table: string, rows: readonly Row[]): Promise<void> =>
    insertRows(pool, schema, table, rows);
  await insert(
    'catalog_v1_listings',
    LISTINGS.map((l) => ({
      listing_id: l.listingId,
      seller_id: l.sellerId,
      sku: l.sku,
      title: l.title,
      price_minor: l.priceMinor,
      currency: l.currency,
      currency_exponent: 2,
      status: l.status,
      created_at: l.createdAt,
      published_at: l.createdAt,
      updated_at: l.createdAt,
      revision: 1,
    })),
  );
  await insert(
    'catalog_v1_stock',
    LISTINGS.map((l) => ({ sku: l.sku, on_hand: l.onHand, reserved: l.reserved })),
  );
  await insert(
    'inventory_v1_levels',
    LISTINGS.map((l) => ({
      sku: l.sku,
      on_hand: l.onHand,
      reserved: l.reserved,
      open_reservations: l.reserved,
      updated_at: l.createdAt,
      revision: 2,
    })),
  );
  await insert(
    'orders_v1_orders',
    ORDERS.map((o) => ({
      order_id: o.orderId,
      buyer_id: o.buyerId,
      seller_id: o.sellerId,
      currency: 'EUR',
      total_minor: 3500,
      line_count: 2,
      item_count: 3,
      status: 'paid',
      payment_status: 'captured',
      cancellation_status: 'none',
      return_status: 'none',
      payment_id: `pay-${o.orderId}`,
      paid_minor: 3500,
      refund_due_minor: 0,
      refunded_minor: 0,
      fee_schedule_id: 'std-2026',
      placed_at: o.placedAt,
      paid_at: o.placedAt,
      updated_at: o.placedAt,
      revision: 2,
    })),
  );
  await insert(
    'orders_v1_lines',
    ORDERS.flatMap((o) => [
      {
        order_id: o.orderId,
        line_no: 0,
        listing_id: 'l-00',
        sku: 'sku-00',
        quantity: 1,
        unit_price_minor: 1500,
        line_total_minor: 1500,
      },
      {
        order_id: o.orderId,
        line_no: 1,
        listing_id: 'l-02',
        sku: 'sku-02',
        quantity: 2,
        unit_price_minor: 1000,
        line_total_minor: 2000,
      },
    ]),
  );
  const timeline = [
    ['OrderPlaced', 'placed', {}],
    ['OrderStockReserved', 'awaiting_payment', { paymentDeadline: '2026-11-01T10:30:00.000Z' }],
    ['OrderPaid', 'paid', { amountMinor: 3500 }],
  ] as const;
  await insert(
    'orders_v1_timeline',
    ORDERS.flatMap((o, n) =>
      timeline.map(([type, status, detail], revision) => ({
        order_id: o.orderId,
        revision,
        event_id: `00000000-0000-7000-8000-${(n * 10 + revision).toString().padStart(12, '0')}`,
        event_type: type,
        status,
        at: o.placedAt,
        detail: JSON.stringify(detail),
      })),
    ),
  );
  const salesOf = (sellerId: string) => ({
    seller_id: sellerId,
    currency: 'EUR',
    orders_placed: 13,
    orders_paid: 13,
    gross_paid_minor: 45500,
    updated_at: minutes(200),
  });
  await insert('orders_v1_seller_sales', [salesOf('s-1'), salesOf('s-2')]);
  const balanceOf = (sellerId: string, available: number) => ({
    seller_id: sellerId,
    currency: 'EUR',
    escrow_minor: 45500,
    available_minor: available,
    received_minor: 45500,
    entries: 14,
    updated_at: minutes(200),
    revision: 14,
  });
  await insert('balances_v1_balances', [balanceOf('s-1', 12345), balanceOf('s-2', SELLER2_SECRET_AMOUNT)]);
};

export type Fixture = Readonly<{
  schema: string;
  pool: pg.Pool;
  /**
   * An app over the seeded read models, with the test keys; settings can be
   * overridden. With another `pool` (a dead or slow one) the audit routes are
   * left out: they need the database to register.
   */
  app: (overrides?: Partial<ReadApiSettings>, pool?: pg.Pool) => Promise<App>;
  setCheckpoint: (name: string, commit: number, prepare: number) => Promise<void>;
  setState: (name: string, state: 'running' | 'halted') => Promise<void>;
  close: () => Promise<void>;
}>;

/** A schema of its own with the event store and the read models migrated and seeded. */
export const createFixture = async (prefix: string): Promise<Fixture> => {
  const test: TestSchema = await createTestSchema(prefix, 6);
  await migrateEventStore(test.pool, test.schema);
  await migrateReadModels(test.pool, test.schema);
  await seed(test.pool, test.schema);
  const apps: App[] = [];
  const status = `"${test.schema}".projection_status`;
  return {
    schema: test.schema,
    pool: test.pool,
    app: async (overrides = {}, pool = test.pool) => {
      const config = { ...loadConfig({}), eventStoreSchema: test.schema, readModelSchema: test.schema };
      const settings: ReadApiSettings = {
        ...loadReadApiSettings({ API_KEYS, CURSOR_SECRET: 'test-cursor-secret-0123456789' }),
        minPositionWaitMs: 300,
        ...overrides,
      };
      // The audit routes migrate their own tables when registered: only over the fixture's own pool.
      const app = buildApp({
        pool,
        logger: pino({ level: 'silent' }),
        config,
        settings,
        auditRoutes: pool === test.pool,
      });
      apps.push(app);
      await app.ready();
      return app;
    },
    setCheckpoint: async (name, commit, prepare) => {
      await test.pool.query(
        `update ${status} set checkpoint_commit = $2, checkpoint_prepare = $3 where name = $1 and active`,
        [name, commit, prepare],
      );
    },
    setState: async (name, state) => {
      await test.pool.query(`update ${status} set state = $2 where name = $1 and active`, [name, state]);
    },
    close: async () => {
      for (const app of apps) await app.close();
      await test.drop();
    },
  };
};
