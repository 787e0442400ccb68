import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { createPool } from '../infra/postgres/database.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from './command-bus.ts';
import type { AcceptedReply } from './envelope.ts';
import { openCommandSide } from './open.ts';
import { commandPolicy } from './policy.ts';
import { seatsCommands } from './test/seats.ts';
import { openTestCommandSide } from './test/command-side.ts';

const logger = pino({ level: 'silent' });

/**
 * Cross-stream group commit: groups of many streams ready at once share one
 * transaction, each keeping its expected revision, events and answer; a
 * stream another process wrote meanwhile is decided again on its own.
 */
describe('stream processor: batched writes across streams (real Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    // One writer: whatever arrives while it commits goes into the next batch together.
    ({ db, store, bus } = await openTestCommandSide('stream_batch', 8, {
      processor: { writers: 1, maxBatch: 50 },
    }));
  });
  afterAll(async () => {
    await db.drop();
  });

  const add = (b: CommandBus, venueId: string, count: number) =>
    b.execute('venue.add-seats', { commandId: uuidv7(), data: { venueId, count } });

  it('answers every stream of a batch with its own events, and retries the one written elsewhere meanwhile', async () => {
    const venues = Array.from({ length: 40 }, (_, i) => `batch-${uuidv7()}-${String(i)}`);
    await Promise.all(venues.map((v) => add(bus, v, 1)));
    // Another process writes one of the cached streams: this processor's revision for it is stale now.
    const otherPool = createPool(TEST_DATABASE_URL, { max: 2 });
    try {
      const other = await openCommandSide({
        pool: otherPool,
        store: await openPostgresEventStore({ pool: otherPool, schema: db.schema }),
        schema: db.schema,
        definitions: seatsCommands,
        policy: commandPolicy(),
        logger,
      });
      const stale = venues[7] ?? '';
      expect(await add(other.bus, stale, 100)).toMatchObject({ status: 'accepted', revision: 1 });

      const replies = await Promise.all(
        venues.map((venueId, i) =>
          bus.execute('venue.hold-seats', {
            commandId: `hold-${venueId}`,
            data: { venueId, holdId: 'h', count: i === 7 ? 50 : 1 },
          }),
        ),
      );
      for (const [i, reply] of replies.entries()) {
        expect(reply).toMatchObject({ status: 'accepted', streamId: `venue-${venues[i] ?? ''}` });
        const events = await store.readStream(`venue-${venues[i] ?? ''}`);
        expect(events.map((e) => e.type)).toEqual(
          i === 7 ? ['SeatsAdded', 'SeatsAdded', 'SeatsHeld'] : ['SeatsAdded', 'SeatsHeld'],
        );
        expect((reply as AcceptedReply).events.map((e) => e.eventId)).toEqual([events.at(-1)?.eventId]);
        expect(events.at(-1)?.metadata.commandId).toBe(`hold-${venues[i] ?? ''}`);
      }
      // Journaled with the batch: the same command ids again give the same answers, writing nothing.
      const again = await Promise.all(
        venues.map((venueId, i) =>
          bus.execute('venue.hold-seats', {
            commandId: `hold-${venueId}`,
            data: { venueId, holdId: 'h', count: i === 7 ? 50 : 1 },
          }),
        ),
      );
      expect(again).toEqual(replies);
    } finally {
      await otherPool.end();
    }
  });

  it('journals the refusals and no-ops decided in a group that appends as they were answered', async () => {
    const venues = Array.from({ length: 6 }, (_, i) => `mixed-${uuidv7()}-${String(i)}`);
    await Promise.all(venues.map((v) => add(bus, v, 3)));
    await Promise.all(
      venues.map((venueId) =>
        bus.execute('venue.hold-seats', { commandId: uuidv7(), data: { venueId, holdId: 'held', count: 1 } }),
      ),
    );
    // For each venue, in one group written in one batch: a hold that fits (events, so the append's
    // position), one that does not (a refusal) and one already held (a no-op, answered without one).
    const send = () =>
      Promise.all(
        venues.flatMap((venueId) => [
          bus.execute('venue.hold-seats', {
            commandId: `fits-${venueId}`,
            data: { venueId, holdId: 'a', count: 1 },
          }),
          bus.execute('venue.hold-seats', {
            commandId: `too-many-${venueId}`,
            data: { venueId, holdId: 'b', count: 50 },
          }),
          bus.execute('venue.hold-seats', {
            commandId: `again-${venueId}`,
            data: { venueId, holdId: 'held', count: 1 },
          }),
        ]),
      );
    const replies = await send();
    for (const [i, reply] of replies.entries()) {
      if (i % 3 === 0) expect((reply as AcceptedReply).position).toMatch(/^\d+:\d+$/);
      else if (i % 3 === 1) expect(reply).toMatchObject({ status: 'refused', code: 'NOT_ENOUGH_SEATS' });
      else expect(reply).toMatchObject({ status: 'accepted', events: [], position: null });
    }
    expect(await send()).toEqual(replies);
  });
});
