import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjections, RebuildError } from './rebuild.ts';
import type { RebuildOptions } from './rebuild.ts';
import { projectionNames } from './read-models/projections.ts';
import { startProjectionWorker } from './runner.ts';
import { bulkLoad } from './test/bulk-load.ts';
import type { LoaderState } from './test/bulk-load.ts';
import { dumpVersion, openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { generateHistory, seededRandom, takeEvents } from './test/history.ts';

/**
 * A rebuild's first pass folds in memory and writes every `flushEvents`
 * events (projections/bulk-fold.ts); the runner loads and writes rows batch by
 * batch. Both must leave the same tables.
 */
describe('rebuild in bulk equals incremental application', () => {
  let h: Harness;
  const loaded: LoaderState = new Map();
  const source = generateHistory(seededRandom(11), { tag: 'k' });
  let incremental: Record<string, Record<string, unknown[]>>;

  /** Every physical table of every projection's active version. */
  const dumpActive = async (): Promise<Record<string, Record<string, unknown[]>>> => {
    const out: Record<string, Record<string, unknown[]>> = {};
    for (const s of (await h.status()).filter((x) => x.active)) {
      out[s.name] = await dumpVersion(h, s.name as (typeof projectionNames)[number], s.version);
    }
    return out;
  };

  const rebuild = (options: Partial<RebuildOptions> = {}) =>
    rebuildProjections({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      names: projectionNames,
      ...options,
    });

  beforeAll(async () => {
    h = await openHarness('proj_bulk');
    await bulkLoad(h.pool, h.schema, takeEvents(source, 3000), loaded);
    // The runner in small batches: every batch loads its rows and writes them back.
    const worker = startProjectionWorker({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      lockRetryMs: 50,
      batchSize: 37,
    });
    await waitForProjections(h);
    await worker.stop();
    incremental = await dumpActive();
  });
  afterAll(async () => {
    await h.drop();
  });

  it('gives the tables the runner gives, whatever the read, flush and cache sizes', async () => {
    expect(incremental['orders']?.['timeline']?.length).toBeGreaterThan(100);
    expect(incremental['catalog']?.['stock']?.length).toBeGreaterThan(10);
    // One flush at the end; then many flushes; then a cache too small to keep the tables (rows reloaded).
    for (const options of [{}, { batchSize: 250, flushEvents: 700 }, { batchSize: 100, maxCachedRows: 50 }]) {
      await rebuild(options);
      expect(await dumpActive()).toEqual(incremental);
    }
  });

  it('resumes an interrupted rebuild from the checkpoint it committed', async () => {
    const before = (await h.status()).map((s) => s.version);
    const stop = new AbortController();
    await expect(
      rebuild({
        batchSize: 200,
        flushEvents: 600,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.events >= 1500) stop.abort();
        },
      }),
    ).rejects.toThrow();
    const interrupted = (await h.status()).filter((s) => !s.active);
    expect(interrupted).toHaveLength(projectionNames.length);
    for (const s of interrupted) {
      expect(s.state).toBe('rebuilding');
      expect(s.checkpoint.prepare).toBeGreaterThan(0);
    }

    const results = await rebuild({ batchSize: 200, flushEvents: 600 });
    expect(results.map((r) => r.to).sort()).toEqual(interrupted.map((s) => s.version).sort());
    expect(Math.min(...results.map((r) => r.to))).toBeGreaterThan(Math.max(...before));
    expect(await dumpActive()).toEqual(incremental);
  });

  it('stops at an event it cannot apply, keeping what came before it', async () => {
    // ListingPublished of a listing that was never created: the catalog cannot apply it.
    await h.append([
      {
        streamId: 'listing-ghost',
        event: {
          type: 'ListingPublished',
          data: { listingId: 'ghost', by: 's1', at: '2026-11-23T09:05:00.000Z' },
        },
      },
    ]);
    await bulkLoad(h.pool, h.schema, takeEvents(source, 500), loaded);
    const [poison] = await h.store.readStream('listing-ghost');
    if (poison === undefined) throw new Error('no poison event');

    const failed = await rebuild({ names: ['catalog'], batchSize: 300, flushEvents: 1000 }).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(RebuildError);
    expect((failed as Error).message).toContain(poison.eventId);
    const status = await h.status();
    const building = status.find((s) => s.name === 'catalog' && !s.active);
    expect(building).toMatchObject({
      state: 'rebuilding',
      failedEvent: { eventId: poison.eventId, type: 'ListingPublished', position: poison.position },
    });
    expect(building?.checkpoint.prepare).toBe(poison.position.prepare - 1);
    // Readers still see the version that was active, untouched.
    expect(status.find((s) => s.name === 'catalog' && s.active)?.state).toBe('running');
  });
});
