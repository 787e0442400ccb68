import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../infra/audit/log-reader.ts';
import { replayCheck } from '../../infra/audit/replay-check.ts';
import { projectionNames } from '../../projections/read-models/projections.ts';
import { startProjectionWorker } from '../../projections/runner.ts';
import type { ProjectionWorker } from '../../projections/runner.ts';
import { openHarness, waitForProjections } from '../../projections/test/harness.ts';
import type { Harness } from '../../projections/test/harness.ts';
import { generateHistory, seededRandom, takeEvents } from '../../projections/test/history.ts';
import { replayTarget } from './replay-targets.ts';

describe('replay check: a projection rebuilt from the log into scratch tables vs the live read model', () => {
  let h: Harness;
  let worker: ProjectionWorker;
  let reader: LogReader;
  const source = generateHistory(seededRandom(11), { tag: 'audit' });
  const check = (name: string) => replayCheck(h.pool, h.schema, replayTarget(h.schema, name), reader, 300);

  beforeAll(async () => {
    h = await openHarness('audit_replay', 8);
    reader = new LogReader(h.pool, h.schema);
    worker = startProjectionWorker({ pool: h.pool, store: h.store, schema: h.schema, lockRetryMs: 50 });
    await h.append(takeEvents(source, 1500));
    await waitForProjections(h);
  });
  afterAll(async () => {
    await worker.stop();
    await h.drop();
  });

  const scratchSchemas = async (): Promise<number> => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.schemata where schema_name like ${`${h.schema}_replay_%`}`.execute(
      h.db,
    );
    return rows[0]?.n ?? -1;
  };

  it('finds every projection equal to its replay, also while the worker keeps applying new events', async () => {
    const appending = h.append(takeEvents(source, 400));
    for (const name of projectionNames) {
      const report = await check(name);
      expect(report.replayError).toBeNull();
      expect(report.tables.map((t) => [t.table, t.liveOnly, t.replayOnly])).toEqual(
        report.tables.map((t) => [t.table, 0, 0]),
      );
      expect(report.ok).toBe(true);
      expect(report.tables.reduce((n, t) => n + t.liveRows, 0)).toBeGreaterThan(0);
    }
    await appending;
    expect(await scratchSchemas()).toBe(0);
  });

  it('reports the rows where the live read model differs from the log', async () => {
    await waitForProjections(h);
    const live = (await h.status()).find((s) => s.name === 'catalog' && s.active);
    const table = (name: string) => sql.table(`${h.schema}.catalog_v${live?.version ?? 1}_${name}`);
    const { rows } = await sql<{ listing_id: string; price_minor: string }>`
      select listing_id, price_minor from ${table('listings')} order by listing_id limit 2`.execute(h.db);
    const [edited, deleted] = rows;
    if (edited === undefined || deleted === undefined) throw new Error('the history has too few listings');
    await sql`update ${table('listings')} set price_minor = 1 where listing_id = ${edited.listing_id}`.execute(
      h.db,
    );
    await sql`delete from ${table('listings')} where listing_id = ${deleted.listing_id}`.execute(h.db);

    const report = await check('catalog');
    expect(report.ok).toBe(false);
    const listings = report.tables.find((t) => t.table === 'listings');
    expect(listings).toMatchObject({ liveOnly: 1, replayOnly: 2 });
    expect(listings?.replayRows).toBe((listings?.liveRows ?? 0) + 1);
    expect(listings?.samples).toEqual(
      expect.arrayContaining([
        {
          side: 'live-only',
          row: expect.objectContaining({ listing_id: edited.listing_id, price_minor: 1 }) as unknown,
        },
        {
          side: 'replay-only',
          row: expect.objectContaining({
            listing_id: edited.listing_id,
            price_minor: Number(edited.price_minor),
          }) as unknown,
        },
        { side: 'replay-only', row: expect.objectContaining({ listing_id: deleted.listing_id }) as unknown },
      ]),
    );
    expect(
      report.tables.filter((t) => t.table !== 'listings').every((t) => t.liveOnly + t.replayOnly === 0),
    ).toBe(true);
  });

  it('refuses an unknown projection with a code', () => {
    expect(() => replayTarget(h.schema, 'nonsense')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PROJECTION' }),
    );
  });
});
