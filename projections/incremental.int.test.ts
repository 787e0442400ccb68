import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { START } from '../infra/event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import { allProjections } from './all.ts';
import { applyBatch } from './apply.ts';
import type { Target } from './apply.ts';
import { installVersion } from './read-models/install.ts';
import { projectionSchemas } from './read-models/projections.ts';
import { dropTables, versionTables } from './read-models/tables.ts';
import { bulkLoad } from './test/bulk-load.ts';
import { dumpVersion, openHarness } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { generateHistory, seededRandom, takeEvents } from './test/history.ts';

const noLag = { events: 0, seconds: 0 };

describe('incremental application equals a full rebuild (property)', () => {
  let h: Harness;
  let version = 10;
  let run = 0;

  beforeAll(async () => {
    h = await openHarness('proj_prop');
  });
  afterAll(async () => {
    await h.drop();
  });

  // Where the previous run stopped reading: everything a run loads comes after it.
  let seen: LogPosition = START;

  /** The next `count` events of the log; waits while older transactions of the server hold the horizon back. */
  const readNext = async (count: number): Promise<RecordedEvent[]> => {
    const out: RecordedEvent[] = [];
    while (out.length < count) {
      const batch = await h.store.readAll({ after: out.at(-1)?.position ?? seen, maxCount: 1000 });
      out.push(...batch);
      if (batch.length === 0) await sleep(10);
    }
    seen = out.at(-1)?.position ?? seen;
    return out;
  };

  it('for random valid histories cut into random batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 20 }),
        async (seed, length, cuts) => {
          const before = seen;
          await bulkLoad(
            h.pool,
            h.schema,
            takeEvents(generateHistory(seededRandom(seed), { tag: `p${run++}x` }), length),
          );
          const events = await readNext(length);
          expect(events).toHaveLength(length);
          const incremental = version++;
          const full = version++;
          for (const projection of allProjections) {
            await installVersion(h.db, h.schema, projection.name, incremental, { active: false });
            await installVersion(h.db, h.schema, projection.name, full, { active: false });
            const target = (v: number): Target => ({
              projection,
              version: v,
              state: 'rebuilding',
              active: false,
              checkpoint: before,
            });
            // Incremental: batches of the sizes drawn (cycled), each in its own transaction.
            let current = target(incremental);
            for (let i = 0, c = 0; i < events.length; c++) {
              const size = cuts[c % cuts.length] ?? 1;
              const batch = events.slice(i, i + size);
              await h.db
                .transaction()
                .execute((trx) => applyBatch(trx, h.schema, current, batch, noLag, 'test'));
              current = { ...current, checkpoint: batch.at(-1)?.position ?? current.checkpoint };
              i += size;
            }
            // Full: the whole history in one batch.
            await h.db
              .transaction()
              .execute((trx) => applyBatch(trx, h.schema, target(full), events, noLag, 'test'));
            expect(await dumpVersion(h, projection.name, incremental)).toEqual(
              await dumpVersion(h, projection.name, full),
            );
            for (const v of [incremental, full]) {
              await dropTables(
                h.db,
                versionTables(h.schema, projection.name, v),
                projectionSchemas[projection.name].tables,
              );
            }
          }
        },
      ),
      { numRuns: 10 },
    );
  });
});
