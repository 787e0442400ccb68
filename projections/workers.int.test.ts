import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { rebuildProjections } from './rebuild.ts';
import { projectionNames } from './read-models/projections.ts';
import { startProjectionWorker } from './runner.ts';
import { dumpViews, openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { bulkLoad } from './test/bulk-load.ts';
import type { LoaderState } from './test/bulk-load.ts';
import { generateHistory, seededRandom, takeEvents } from './test/history.ts';

const handledCounts = async (h: Harness): Promise<Record<string, number>> => {
  const { rows } = await sql<{ type: string; n: number }>`
    select event_type as type, count(*)::int as n from ${sql.table(`${h.schema}.events`)} group by event_type`.execute(
    h.db,
  );
  const count = (types: readonly string[]) =>
    rows.filter((r) => types.some((t) => r.type === t)).reduce((n, r) => n + r.n, 0);
  const listing = [
    'ListingCreated',
    'ListingPublished',
    'ListingPriceChanged',
    'ListingWithdrawn',
    'ListingSoldOut',
    'ListingBackInStock',
  ];
  const inventory = [
    'StockReceived',
    'StockAdjusted',
    'StockReserved',
    'ReservationReleased',
    'ReservationExpired',
    'ReservationCommitted',
  ];
  const orders = rows
    .map((r) => r.type)
    .filter((t) => t.startsWith('Order') || t.startsWith('Cancellation') || t.startsWith('Return'));
  const payment = [
    'PaymentStarted',
    'PaymentAuthorized',
    'AuthorizationFailed',
    'PaymentCaptured',
    'PaymentVoided',
  ];
  const seller = [
    'EscrowHeld',
    'EscrowRefunded',
    'EscrowReleased',
    'PayoutRequested',
    'PayoutPaid',
    'PayoutFailed',
  ];
  return {
    balances: count(seller),
    catalog: count([...listing, ...inventory]),
    inventory: count(inventory),
    orders: count([...orders, ...payment]),
  };
};

describe('two workers started together', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await openHarness('proj_workers', 12);
  });
  afterAll(async () => {
    await h.drop();
  });

  it('share the projections, never apply an event twice, and hand over when one stops', async () => {
    const source = generateHistory(seededRandom(7), { tag: 'w' });
    const loaded: LoaderState = new Map();
    const options = { pool: h.pool, store: h.store, schema: h.schema, lockRetryMs: 20, batchSize: 97 };
    const a = startProjectionWorker({ ...options, workerId: 'a' });
    const b = startProjectionWorker({ ...options, workerId: 'b' });
    // Appends race the workers.
    for (let i = 0; i < 20; i++) await bulkLoad(h.pool, h.schema, takeEvents(source, 150), loaded);
    await waitForProjections(h);
    const ownedA = a.owned();
    const ownedB = b.owned();
    expect([...ownedA, ...ownedB].sort()).toEqual([...projectionNames].sort());
    expect(ownedA.filter((n) => ownedB.includes(n))).toEqual([]);

    // The owner of some projections stops; the other takes them over and carries on.
    const [stopping, staying] = ownedA.length > 0 ? [a, b] : [b, a];
    await stopping.stop();
    for (let i = 0; i < 5; i++) await bulkLoad(h.pool, h.schema, takeEvents(source, 150), loaded);
    const status = await waitForProjections(h);
    expect(staying.owned()).toHaveLength(4);
    expect(status.every((s) => s.state === 'running')).toBe(true);

    // Each handled event counted once per projection, and the read models equal a rebuild's.
    const counts = await handledCounts(h);
    expect(Object.fromEntries(status.map((s) => [s.name, s.eventsApplied]))).toEqual(counts);
    const incremental = await dumpViews(h);
    await rebuildProjections({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      names: projectionNames,
      batchSize: 1000,
    });
    expect(await dumpViews(h)).toEqual(incremental);
    await staying.stop();
  });
});
