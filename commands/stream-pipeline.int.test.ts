/**
 * Pipelining: the next group of a stream is decided on the state the write in
 * flight will leave and sent before that write commits. These tests hold the
 * stream's lock from outside, so the writes queue in Postgres in a known order,
 * then let the write ahead succeed, or fail because another process wrote the
 * stream first: the pipelined group must then be decided again, never applied
 * on a state it was not decided on.
 */
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Expected } from '../infra/event-store/port.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from './command-bus.ts';
import type { Reply } from './envelope.ts';
import { openTestCommandSide } from './test/command-side.ts';

describe('stream processor: pipelined writes of one stream (real Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('stream_pipeline', 8, {
      processor: { pipelineDepth: 2 },
    }));
  });
  afterAll(async () => {
    await db.drop();
  });

  const addSeats = (venueId: string, count: number): Promise<Reply> =>
    bus.execute('venue.add-seats', { commandId: uuidv7(), data: { venueId, count } });
  const hold = (venueId: string, holdId: string, count: number): Promise<Reply> =>
    bus.execute('venue.hold-seats', { commandId: `${venueId}-${holdId}`, data: { venueId, holdId, count } });

  /** Until `count` of this test's backends wait on a lock: the batch statements queued behind ours. */
  const waitForLockWaiters = async (count: number): Promise<void> => {
    for (let i = 0; i < 400; i++) {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and wait_event = 'advisory' and application_name = $1`,
        [`test:${db.schema}`],
      );
      if ((rows[0]?.n ?? 0) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`fewer than ${String(count)} writes ever waited for the stream`);
  };

  /** Holds the stream's lock in a transaction of the test's own until `release` is called. */
  const holdStream = async (streamId: string): Promise<pg.PoolClient> => {
    const client = await db.pool.connect();
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))`, [
      `"${db.schema}".events`,
      streamId,
    ]);
    return client;
  };

  it('sends the next group before the write ahead commits, and both go through in order', async () => {
    const venueId = `pipe-${uuidv7()}`;
    const streamId = `venue-${venueId}`;
    expect(await addSeats(venueId, 10)).toMatchObject({ status: 'accepted', revision: 0 });
    const client = await holdStream(streamId);
    let first: Promise<Reply>;
    let second: Promise<Reply>;
    try {
      first = hold(venueId, 'a', 4);
      await waitForLockWaiters(1);
      second = hold(venueId, 'b', 6);
      // Decided on the state the first write will leave (4 of 10 held), and already in Postgres.
      await waitForLockWaiters(2);
      await client.query('commit');
    } finally {
      client.release();
    }
    expect(await first).toMatchObject({ status: 'accepted', revision: 1 });
    expect(await second).toMatchObject({ status: 'accepted', revision: 2 });
    const events = await store.readStream(streamId);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['SeatsAdded', { venueId, count: 10 }],
      ['SeatsHeld', { venueId, holdId: 'a', count: 4 }],
      ['SeatsHeld', { venueId, holdId: 'b', count: 6 }],
    ]);
  });

  it('decides the pipelined group again when the write ahead of it loses to another writer', async () => {
    const venueId = `pipe-${uuidv7()}`;
    const streamId = `venue-${venueId}`;
    expect(await addSeats(venueId, 3)).toMatchObject({ status: 'accepted', revision: 0 });
    const client = await holdStream(streamId);
    let first: Promise<Reply>;
    let second: Promise<Reply>;
    try {
      first = hold(venueId, 'a', 1);
      await waitForLockWaiters(1);
      // Decided on 1 of 3 held: accepted, if nothing else changes.
      second = hold(venueId, 'b', 2);
      await waitForLockWaiters(2);
      // Another process holds 2 seats first, with ONE event: the revision the pipelined write
      // expects is then right, but the event there is not the one it was decided after.
      const foreign = await store.appendWith(
        client,
        streamId,
        [{ type: 'SeatsHeld', data: { venueId, holdId: 'elsewhere', count: 2 } }],
        { expectedRevision: Expected.revision(0) },
      );
      expect(foreign.ok).toBe(true);
      await client.query('commit');
    } finally {
      client.release();
    }
    // Decided again on the real stream: 2 of 3 held, so the first fits and the second does not.
    expect(await first).toMatchObject({ status: 'accepted', revision: 2 });
    expect(await second).toMatchObject({ status: 'refused', code: 'NOT_ENOUGH_SEATS' });
    const events = await store.readStream(streamId);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['SeatsAdded', { venueId, count: 3 }],
      ['SeatsHeld', { venueId, holdId: 'elsewhere', count: 2 }],
      ['SeatsHeld', { venueId, holdId: 'a', count: 1 }],
    ]);
    // The refusal was journaled on the state it was decided on: asked again, the same answer.
    expect(await hold(venueId, 'b', 2)).toEqual(await second);
  });

  it('decides the pipelined group again when the write ahead of it fails, and answers a reused id from the journal', async () => {
    const venueId = `pipe-${uuidv7()}`;
    const streamId = `venue-${venueId}`;
    expect(await addSeats(venueId, 10)).toMatchObject({ status: 'accepted', revision: 0 });
    // The same command id as an earlier command with other data: the write ahead fails on its journal row.
    const reused = await hold(venueId, 'x', 1);
    expect(reused).toMatchObject({ status: 'accepted', revision: 1 });
    const client = await holdStream(streamId);
    let first: Promise<Reply>;
    let second: Promise<Reply>;
    try {
      first = bus.execute('venue.hold-seats', {
        commandId: `${venueId}-x`,
        data: { venueId, holdId: 'y', count: 4 },
      });
      await waitForLockWaiters(1);
      // Decided on 5 of 10 held, after a write that will not go through.
      second = hold(venueId, 'b', 5);
      await waitForLockWaiters(2);
      await client.query('commit');
    } finally {
      client.release();
    }
    expect(await first).toMatchObject({ status: 'refused', code: 'COMMAND_ID_REUSED' });
    expect(await second).toMatchObject({ status: 'accepted', revision: 2 });
    const events = await store.readStream(streamId);
    expect(events.map((e) => e.data)).toEqual([
      { venueId, count: 10 },
      { venueId, holdId: 'x', count: 1 },
      { venueId, holdId: 'b', count: 5 },
    ]);
  });
});
