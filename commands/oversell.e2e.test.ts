/**
 * Never oversell, across processes: two handler processes (`start.ts --roles
 * commands`) share the command subjects through their NATS queue group and
 * one Postgres; many buyers reserve a few SKUs with little stock at once.
 * The log afterwards must show, at every revision of every SKU, reserved +
 * committed ≤ received, and exactly as many refusals as the stock fell short.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { createPool } from '../infra/postgres/database.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import type { Reply } from './envelope.ts';
import { commandClient, startProcess, systemEnv } from './test/processes.ts';
import { auditStock } from './test/stock-audit.ts';
import type { CommandClient, RunningProcess } from './test/processes.ts';

const system = systemEnv('e2e_oversell');
const STOCK: Readonly<Record<string, number>> = { 'hot-a': 12, 'hot-b': 5, 'hot-c': 1, 'hot-d': 0 };
const BUYERS_PER_SKU = 60;
const EXPIRES_AT = '2099-01-01T00:00:00.000Z';

describe('no oversell with two handler processes (real NATS and Postgres)', () => {
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let handlers: RunningProcess[] = [];
  let clients: CommandClient[] = [];

  beforeAll(async () => {
    // The first migrates the schema; the second starts against the migrated one.
    handlers = [await startProcess(system, ['commands'])];
    handlers.push(await startProcess(system, ['commands']));
    clients = await Promise.all([commandClient(system), commandClient(system)]);
    pool = createPool(TEST_DATABASE_URL, { max: 4, applicationName: `test:${system.schema}` });
    store = new PostgresEventStore({ pool, schema: system.schema });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    const codes = await Promise.all(handlers.map((h) => h.stop()));
    await store.close();
    await pool.query(`drop schema if exists "${system.schema}" cascade`);
    await pool.query(`drop schema if exists "${system.readModelSchema}" cascade`);
    await pool.end();
    expect(codes).toEqual([0, 0]);
  });

  /** Buyers alternate between two connections, all in flight together. */
  const send = (i: number, name: string, data: unknown): Promise<Reply> =>
    (clients[i % clients.length] as CommandClient).send(name, data);

  it('refuses exactly the shortfall and keeps reserved + committed ≤ received', async () => {
    const skus = Object.keys(STOCK).map((sku) => `${system.schema}-${sku}`);
    const stocked = await Promise.all(
      skus
        .map((sku, i) => ({ sku, i, quantity: Object.values(STOCK)[i] ?? 0 }))
        .filter(({ quantity }) => quantity > 0)
        .map(({ sku, i, quantity }) => send(i, 'inventory.receive', { sku, receiptId: 'r1', quantity })),
    );
    expect(stocked.every((r) => r.status === 'accepted')).toBe(true);

    // Wave 1: every buyer wants one unit, all at once.
    const wave1 = skus.flatMap((sku) =>
      Array.from({ length: BUYERS_PER_SKU }, (_, b) => ({ sku, reservationId: `w1-${String(b)}` })),
    );
    const replies1 = await Promise.all(
      wave1.map(({ sku, reservationId }, i) =>
        send(i, 'inventory.reserve', {
          sku,
          reservationId,
          orderId: `o-${reservationId}`,
          quantity: 1,
          expiresAt: EXPIRES_AT,
        }),
      ),
    );
    skus.forEach((sku, s) => {
      const stock = Object.values(STOCK)[s] ?? 0;
      const mine = replies1.filter((_, i) => wave1[i]?.sku === sku);
      expect(mine.filter((r) => r.status === 'accepted')).toHaveLength(Math.min(stock, BUYERS_PER_SKU));
      const refused = mine.filter((r) => r.status === 'refused');
      expect(refused).toHaveLength(Math.max(0, BUYERS_PER_SKU - stock));
      for (const r of refused) expect(r).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    });

    // Wave 2, all at once: ship some holders, release others, and new buyers of 1–3 units race for what frees up.
    const held = wave1.filter((_, i) => replies1[i]?.status === 'accepted');
    const wave2 = [
      ...held.map(({ sku, reservationId }, i) =>
        i % 2 === 0
          ? (j: number) => send(j, 'inventory.commit', { sku, reservationId })
          : (j: number) => send(j, 'inventory.release', { sku, reservationId, reason: 'cart abandoned' }),
      ),
      ...skus.flatMap((sku) =>
        Array.from(
          { length: 30 },
          (_, b) => (j: number) =>
            send(j, 'inventory.reserve', {
              sku,
              reservationId: `w2-${String(b)}`,
              orderId: `o2-${String(b)}`,
              quantity: 1 + (b % 3),
              expiresAt: EXPIRES_AT,
            }),
        ),
      ),
    ];
    const replies2 = await Promise.all(wave2.map((op, j) => op(j)));
    expect(replies2.filter((r) => r.status === 'refused' && r.code !== 'INSUFFICIENT_STOCK')).toEqual([]);

    for (const [s, sku] of skus.entries()) {
      const ledger = auditStock(await store.readStream(`inventory-${sku}`));
      expect(ledger.oversold).toBe(0);
      expect(ledger.received).toBe(Object.values(STOCK)[s]);
      expect(ledger.reserved + ledger.committed).toBeLessThanOrEqual(ledger.received);
    }
  });
});
