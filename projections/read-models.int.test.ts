import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { createKysely } from '../infra/postgres/database.ts';
import type { ReadModelDatabase } from './read-models/schema.ts';
import { hasReached } from './read-models/status.ts';
import { startProjectionWorker } from './runner.ts';
import type { ProjectionWorker } from './runner.ts';
import { openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { scriptedDay } from './test/script.ts';

describe('read models after a scripted day', () => {
  let h: Harness;
  let worker: ProjectionWorker;
  let rm: Kysely<ReadModelDatabase>;

  beforeAll(async () => {
    h = await openHarness('proj_rm');
    worker = startProjectionWorker({ pool: h.pool, store: h.store, schema: h.schema, lockRetryMs: 50 });
    const position = await h.append(scriptedDay());
    await waitForProjections(h);
    expect(await hasReached(h.db, h.schema, position)).toBe(true);
    rm = createKysely<ReadModelDatabase>(h.pool).withSchema(h.schema);
  });

  afterAll(async () => {
    await worker.stop();
    await h.drop();
  });

  it('catalog: listings with price, status and available stock; filters by seller, status, price, title', async () => {
    const rows = await rm
      .selectFrom('listings')
      .select([
        'listing_id',
        'seller_id',
        'sku',
        'title',
        'price_minor',
        'currency',
        'status',
        'on_hand',
        'reserved',
        'available',
      ])
      .orderBy('listing_id')
      .execute();
    expect(rows).toEqual([
      {
        listing_id: 'L1',
        seller_id: 's1',
        sku: 'A',
        title: 'Speckled stoneware mug',
        price_minor: '2300',
        currency: 'EUR',
        status: 'active',
        on_hand: 7,
        reserved: 0,
        available: 7,
      },
      {
        listing_id: 'L2',
        seller_id: 's1',
        sku: 'B',
        title: 'Oak side table',
        price_minor: '900',
        currency: 'EUR',
        status: 'draft',
        on_hand: 0,
        reserved: 0,
        available: 0,
      },
    ]);
    const found = await rm
      .selectFrom('listings')
      .select('listing_id')
      .where('seller_id', '=', 's1')
      .where('status', '=', 'active')
      .where(sql<boolean>`price_minor between 2000 and 2500`)
      .where('title', 'ilike', '%stoneware%')
      .execute();
    expect(found).toEqual([{ listing_id: 'L1' }]);
  });

  it('inventory: on hand, reserved and available per SKU', async () => {
    const rows = await rm.selectFrom('inventory_levels').selectAll().execute();
    expect(rows).toMatchObject([{ sku: 'A', on_hand: 7, reserved: 0, available: 7, open_reservations: 0 }]);
  });

  it('orders: status axes, totals, lines and a timeline of status changes', async () => {
    const orders = await rm
      .selectFrom('orders')
      .select([
        'order_id',
        'buyer_id',
        'status',
        'payment_status',
        'cancellation_status',
        'total_minor',
        'paid_minor',
        'refunded_minor',
        'item_count',
        'carrier',
      ])
      .orderBy('order_id')
      .execute();
    expect(orders).toEqual([
      {
        order_id: 'O1',
        buyer_id: 'b1',
        status: 'completed',
        payment_status: 'captured',
        cancellation_status: 'none',
        total_minor: '4600',
        paid_minor: '4600',
        refunded_minor: '0',
        item_count: 2,
        carrier: 'DHL',
      },
      {
        order_id: 'O2',
        buyer_id: 'b2',
        status: 'expired',
        payment_status: 'none',
        cancellation_status: 'none',
        total_minor: '2300',
        paid_minor: '0',
        refunded_minor: '0',
        item_count: 1,
        carrier: null,
      },
      {
        order_id: 'O3',
        buyer_id: 'b1',
        status: 'refunded',
        payment_status: 'refunded',
        cancellation_status: 'cancelled',
        total_minor: '2300',
        paid_minor: '2300',
        refunded_minor: '2300',
        item_count: 1,
        carrier: null,
      },
    ]);
    const timeline = await rm
      .selectFrom('order_timeline')
      .select(['event_type', 'status'])
      .where('order_id', '=', 'O1')
      .orderBy('revision')
      .execute();
    expect(timeline).toEqual([
      { event_type: 'OrderPlaced', status: 'placed' },
      { event_type: 'OrderStockReserved', status: 'awaiting_payment' },
      { event_type: 'OrderPaid', status: 'paid' },
      { event_type: 'OrderShipped', status: 'shipped' },
      { event_type: 'OrderDelivered', status: 'delivered' },
      { event_type: 'OrderCompleted', status: 'completed' },
    ]);
    const lines = await rm.selectFrom('order_lines').selectAll().where('order_id', '=', 'O1').execute();
    expect(lines).toEqual([
      {
        order_id: 'O1',
        line_no: 0,
        listing_id: 'L1',
        sku: 'A',
        quantity: 2,
        unit_price_minor: '2300',
        line_total_minor: '4600',
      },
    ]);
    const byBuyer = await rm
      .selectFrom('orders')
      .select('order_id')
      .where('buyer_id', '=', 'b1')
      .orderBy('placed_at', 'desc')
      .execute();
    expect(byBuyer.map((o) => o.order_id)).toEqual(['O3', 'O1']);
  });

  it('sales by seller', async () => {
    const sales = await rm.selectFrom('seller_sales').selectAll().execute();
    expect(sales).toMatchObject([
      {
        seller_id: 's1',
        currency: 'EUR',
        orders_placed: 3,
        orders_paid: 2,
        orders_completed: 1,
        orders_cancelled: 1,
        gross_paid_minor: '6900',
        refunded_minor: '2300',
      },
    ]);
  });

  it('seller balances: escrow, available, paid out, fees, refunds', async () => {
    const balances = await rm.selectFrom('seller_balances').selectAll().execute();
    expect(balances).toMatchObject([
      {
        seller_id: 's1',
        currency: 'EUR',
        escrow_minor: '0',
        available_minor: '0',
        payout_pending_minor: '0',
        paid_out_minor: '4140',
        fees_minor: '460',
        refunded_minor: '2300',
        received_minor: '6900',
        entries: 6,
      },
    ]);
  });

  it('status: every projection running at the head, owned by the worker, no lag', async () => {
    const status = await h.status();
    expect(status.map((s) => [s.name, s.version, s.active, s.state, s.lagEvents])).toEqual([
      ['balances', 1, true, 'running', 0],
      ['catalog', 1, true, 'running', 0],
      ['inventory', 1, true, 'running', 0],
      ['orders', 1, true, 'running', 0],
    ]);
    expect(status.map((s) => s.eventsApplied)).toEqual([6, 11, 7, 17]);
    expect(worker.owned()).toHaveLength(4);
  });
});
