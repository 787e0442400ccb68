import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { createPool } from '../infra/postgres/database.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from './command-bus.ts';
import type { Reply } from './envelope.ts';
import { openCommandSide } from './open.ts';
import { commandPolicy } from './policy.ts';
import { seatsCommands } from './test/seats.ts';
import { openTestCommandSide } from './test/command-side.ts';

const logger = pino({ level: 'silent' });

describe('command pipeline (real Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('cmd_bus', 12));
  });
  afterAll(async () => {
    await db.drop();
  });

  const venue = (): string => `v${uuidv7()}`;
  const send = (name: string, data: object, commandId = uuidv7(), metadata?: object): Promise<Reply> =>
    bus.execute(name, metadata === undefined ? { commandId, data } : { commandId, data, metadata });
  const eventsOf = async (venueId: string) => store.readStream(`venue-${venueId}`);

  it('accepts a command: events appended with metadata, reply with revision and position', async () => {
    const v = venue();
    const reply = await send('venue.add-seats', { venueId: v, count: 5 }, 'cmd-1-' + v, {
      correlationId: 'corr-9',
      actor: 'ops',
    });
    expect(reply).toMatchObject({
      status: 'accepted',
      commandId: 'cmd-1-' + v,
      streamId: `venue-${v}`,
      revision: 0,
    });
    const [event] = await eventsOf(v);
    expect(event).toMatchObject({
      type: 'SeatsAdded',
      data: { venueId: v, count: 5 },
      metadata: { commandId: 'cmd-1-' + v, causationId: 'cmd-1-' + v, correlationId: 'corr-9', actor: 'ops' },
    });
    if (reply.status === 'accepted') {
      expect(reply.events).toEqual([{ eventId: event?.eventId, type: 'SeatsAdded', revision: 0 }]);
      expect(reply.position).toMatch(/^\d+:\d+$/);
    }
  });

  it('the same command id again gives the first answer and writes nothing', async () => {
    const v = venue();
    const id = uuidv7();
    const first = await send('venue.add-seats', { venueId: v, count: 3 }, id);
    const again = await send('venue.add-seats', { venueId: v, count: 3 }, id);
    expect(again).toEqual(first);
    expect(await eventsOf(v)).toHaveLength(1);
    // A refusal is remembered too: after capacity grows, the retry is still refused.
    const holdId = uuidv7();
    const refusedFirst = await send('venue.hold-seats', { venueId: v, holdId: 'h', count: 10 }, holdId);
    expect(refusedFirst).toMatchObject({ status: 'refused', code: 'NOT_ENOUGH_SEATS' });
    await send('venue.add-seats', { venueId: v, count: 100 });
    expect(await send('venue.hold-seats', { venueId: v, holdId: 'h', count: 10 }, holdId)).toEqual(
      refusedFirst,
    );
  });

  it('a command id reused for another command is refused and writes nothing', async () => {
    const v = venue();
    const id = uuidv7();
    await send('venue.add-seats', { venueId: v, count: 3 }, id);
    expect(await send('venue.add-seats', { venueId: v, count: 4 }, id)).toMatchObject({
      status: 'refused',
      code: 'COMMAND_ID_REUSED',
    });
    expect(await eventsOf(v)).toHaveLength(1);
  });

  it('concurrent duplicates of one command id are answered alike, once written', async () => {
    const v = venue();
    await send('venue.add-seats', { venueId: v, count: 10 });
    const id = uuidv7();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => send('venue.hold-seats', { venueId: v, holdId: 'x', count: 2 }, id)),
    );
    for (const reply of replies) expect(reply).toEqual(replies[0]);
    expect((await eventsOf(v)).filter((e) => e.type === 'SeatsHeld')).toHaveLength(1);
  });

  it.each([
    ['unknown command', 'venue.explode', { commandId: 'c1', data: {} }, 'UNKNOWN_COMMAND'],
    ['missing command id', 'venue.add-seats', { data: { venueId: 'v', count: 1 } }, 'INVALID_ENVELOPE'],
    [
      'extra envelope field',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v', count: 1 }, x: 1 },
      'INVALID_ENVELOPE',
    ],
    [
      'wrong type',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v', count: '1' } },
      'VALIDATION_FAILED',
    ],
    [
      'negative quantity',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v', count: -1 } },
      'VALIDATION_FAILED',
    ],
    [
      'fractional quantity',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v', count: 1.5 } },
      'VALIDATION_FAILED',
    ],
    [
      'unknown data field',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v', count: 1, y: 2 } },
      'VALIDATION_FAILED',
    ],
    [
      'bad id characters',
      'venue.add-seats',
      { commandId: 'c1', data: { venueId: 'v v', count: 1 } },
      'VALIDATION_FAILED',
    ],
    ['not an object', 'venue.add-seats', [1, 2], 'INVALID_ENVELOPE'],
  ])('%s is refused with its code and writes nothing', async (_name, subject, body, code) => {
    const head = await store.headPosition();
    expect(await bus.execute(subject, body)).toMatchObject({ status: 'refused', code });
    expect(await store.readAll({ after: head })).toEqual([]);
  });

  it('malformed JSON and oversized payloads are refused', async () => {
    expect(
      await bus.executeBytes('venue.add-seats', new TextEncoder().encode('{"commandId":')),
    ).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(await bus.executeBytes('venue.add-seats', new Uint8Array([0xff, 0xfe]))).toMatchObject({
      code: 'MALFORMED_JSON',
    });
    const huge = new TextEncoder().encode(
      JSON.stringify({ commandId: 'c', data: { venueId: 'x'.repeat(70_000), count: 1 } }),
    );
    expect(await bus.executeBytes('venue.add-seats', huge)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('a hot stream: many concurrent holds are group-committed and never exceed capacity', async () => {
    const v = venue();
    await send('venue.add-seats', { venueId: v, count: 50 });
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        send('venue.hold-seats', { venueId: v, holdId: `h${i}`, count: 1 }),
      ),
    );
    const accepted = replies.filter((r) => r.status === 'accepted');
    expect(accepted).toHaveLength(50);
    expect(replies.filter((r) => r.status === 'refused' && r.code === 'NOT_ENOUGH_SEATS')).toHaveLength(150);
    const events = await eventsOf(v);
    expect(events.filter((e) => e.type === 'SeatsHeld')).toHaveLength(50);
    // Group commit: far fewer transactions than commands.
    expect(new Set(events.map((e) => e.position.commit)).size).toBeLessThan(50);
  });

  it('two processors (as two processes) on one stream never oversell', async () => {
    const otherPool = createPool(TEST_DATABASE_URL, { max: 6 });
    try {
      const otherStore = await openPostgresEventStore({ pool: otherPool, schema: db.schema });
      const other = await openCommandSide({
        pool: otherPool,
        store: otherStore,
        schema: db.schema,
        definitions: seatsCommands,
        policy: commandPolicy(),
        logger,
      });
      const v = venue();
      await send('venue.add-seats', { venueId: v, count: 30 });
      const replies = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          (i % 2 === 0 ? bus : other.bus).execute('venue.hold-seats', {
            commandId: uuidv7(),
            data: { venueId: v, holdId: `h${i}`, count: 1 },
          }),
        ),
      );
      const accepted = replies.filter((r) => r.status === 'accepted').length;
      const refusedForStock = replies.filter(
        (r) => r.status === 'refused' && r.code === 'NOT_ENOUGH_SEATS',
      ).length;
      const conflicts = replies.filter((r) => r.status === 'refused' && r.code === 'CONFLICT').length;
      expect(accepted).toBeLessThanOrEqual(30);
      expect((await eventsOf(v)).filter((e) => e.type === 'SeatsHeld')).toHaveLength(accepted);
      expect(accepted + refusedForStock + conflicts).toBe(120);
      // Stock ran out: every refusal beyond conflicts is the shortfall.
      expect(accepted).toBe(30);
    } finally {
      await otherPool.end();
    }
  });
});
