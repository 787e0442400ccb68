import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { rebuildProjections, RebuildError } from './rebuild.ts';
import type { RebuildProgress } from './rebuild.ts';
import { projectionNames } from './read-models/projections.ts';
import { startProjectionWorker } from './runner.ts';
import type { ProjectionWorker } from './runner.ts';
import { bulkLoad } from './test/bulk-load.ts';
import type { LoaderState } from './test/bulk-load.ts';
import { dumpViews, openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { generateHistory, seededRandom, takeEvents } from './test/history.ts';

describe('rebuild without downtime', () => {
  let h: Harness;
  let worker: ProjectionWorker;
  const loaded: LoaderState = new Map();
  const source = generateHistory(seededRandom(3), { tag: 'r' });

  beforeAll(async () => {
    h = await openHarness('proj_rebuild');
    worker = startProjectionWorker({ pool: h.pool, store: h.store, schema: h.schema, lockRetryMs: 50 });
  });
  afterAll(async () => {
    await worker.stop();
    await h.drop();
  });

  const tables = async (): Promise<string[]> => {
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
       where table_schema = ${h.schema} and table_type = 'BASE TABLE' and table_name like '%\\_v%\\_%'
       order by 1`.execute(h.db);
    return rows.map((r) => r.name);
  };

  it('builds version 2 beside version 1 while the worker and appends go on, switches the views, drops version 1', async () => {
    await bulkLoad(h.pool, h.schema, takeEvents(source, 4000), loaded);
    await waitForProjections(h);
    const before = await dumpViews(h);

    // Readers keep reading version 1 while version 2 is built; appends keep coming.
    const phases = new Set<RebuildProgress['phase']>();
    let readsDuringRebuild = 0;
    const rebuild = rebuildProjections({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      names: projectionNames,
      batchSize: 500,
      onProgress: (p) => {
        phases.add(p.phase);
      },
    });
    const appending = (async () => {
      for (let i = 0; i < 5; i++) await bulkLoad(h.pool, h.schema, takeEvents(source, 100), loaded);
    })();
    const reading = (async () => {
      for (let i = 0; i < 10; i++) {
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from ${sql.table(`${h.schema}.listings`)}`.execute(h.db);
        expect(rows[0]?.n).toBeGreaterThanOrEqual(before['listings']?.length ?? 0);
        readsDuringRebuild++;
      }
    })();
    const results = await rebuild;
    await Promise.all([appending, reading]);
    expect(readsDuringRebuild).toBe(10);
    expect(results.map((r) => [r.name, r.from, r.to])).toEqual(projectionNames.map((n) => [n, 1, 2]));
    // catch-up shows only when events arrived while the indexes were built.
    expect([...phases].filter((p) => p !== 'catch-up')).toEqual(['fold', 'index', 'switch', 'done']);

    const status = await waitForProjections(h);
    expect(status.map((s) => [s.name, s.version, s.state, s.lagEvents])).toEqual(
      [...projectionNames].sort().map((n) => [n, 2, 'running', 0]),
    );
    expect((await h.status()).filter((s) => !s.active)).toEqual([]);
    expect((await tables()).every((t) => t.includes('_v2_'))).toBe(true);

    // The worker carried on with version 2; the views equal yet another rebuild's.
    const after = await dumpViews(h);
    expect(after['orders']?.length).toBeGreaterThan(before['orders']?.length ?? 0);
    await rebuildProjections({ pool: h.pool, store: h.store, schema: h.schema, names: ['orders'] });
    expect(await dumpViews(h)).toEqual(after);
    expect((await h.status()).find((s) => s.name === 'orders')?.version).toBe(3);
  });

  it('refuses a second rebuild of the same projection at the same time', async () => {
    const first = rebuildProjections({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      names: ['catalog'],
      batchSize: 50,
    });
    const second = rebuildProjections({ pool: h.pool, store: h.store, schema: h.schema, names: ['catalog'] });
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((o) => o.status === 'rejected');
    expect(failed?.reason).toBeInstanceOf(RebuildError);
  });
});
