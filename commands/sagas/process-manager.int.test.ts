import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../infra/event-store/port.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import type { CommandBus } from '../command-bus.ts';
import { DurableTimers } from '../timers/timers.ts';
import { runProcessManager } from './process-manager.ts';
import type { ProcessManager } from './process-manager.ts';
import { openTestCommandSide } from '../test/command-side.ts';

const logger = pino({ level: 'silent' });

/** On every SeatsAdded: hold one seat for the house, and schedule a follow-up. */
const houseHold: ProcessManager = {
  name: 'house-hold',
  handles: ['SeatsAdded'],
  react: async (event, ctx) => {
    const { venueId } = event.data as { venueId: string };
    await ctx.send('venue.hold-seats', 'hold', { venueId, holdId: `house-${event.eventId}`, count: 1 });
    await ctx.schedule(`follow-up:${venueId}`, '2030-01-01T00:00:00Z', 'venue.add-seats', {
      venueId,
      count: 1,
    });
  },
};

describe('process manager runner (real Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('saga', 8));
  });
  afterAll(async () => {
    await db.drop();
  });

  const runUntil = async (done: () => Promise<boolean>): Promise<void> => {
    const controller = new AbortController();
    const running = runProcessManager({
      manager: houseHold,
      store,
      pool: db.pool,
      schema: db.schema,
      timers: new DurableTimers(db.schema),
      execute: (name: string, body: JsonValue) => bus.execute(name, body),
      logger,
      signal: controller.signal,
    });
    for (let i = 0; i < 300 && !(await done()); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await running;
  };

  it('reacts once per event, and a replay from an earlier checkpoint has no duplicate effect', async () => {
    const venueId = `v${uuidv7()}`;
    await bus.execute('venue.add-seats', {
      commandId: uuidv7(),
      data: { venueId, count: 5 },
      metadata: { correlationId: 'corr-7' },
    });
    const holds = async () =>
      (await store.readStream(`venue-${venueId}`)).filter((e) => e.type === 'SeatsHeld');
    await runUntil(async () => (await holds()).length === 1);
    const [hold] = await holds();
    expect(hold?.metadata).toMatchObject({ correlationId: 'corr-7', actor: 'saga:house-hold' });

    // Crash before the checkpoint: the saga starts from the beginning of the log again.
    await db.pool.query(`delete from "${db.schema}".saga_checkpoints`);
    await runUntil(() => Promise.resolve(false));
    expect(await holds()).toHaveLength(1);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from "${db.schema}".timers where command->'data'->>'venueId' = $1`,
      [venueId],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });
});
