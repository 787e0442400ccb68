import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import type { CommandBus } from '../command-bus.ts';
import { DurableTimers, runTimerWorker } from './timers.ts';
import { openTestCommandSide } from '../test/command-side.ts';

const logger = pino({ level: 'silent' });

describe('durable timers (real Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('timers', 6));
  });
  afterAll(async () => {
    await db.drop();
  });

  const send = (name: string, body: unknown) => bus.execute(name, body);

  it('fires a due timer once, not before its time, and survives a restart', async () => {
    const venueId = `v${uuidv7()}`;
    const timers = new DurableTimers(db.schema);
    const t0 = new Date('2030-01-01T00:00:00Z');
    const request = {
      commandName: 'venue.add-seats',
      data: { venueId, count: 2 },
      correlationId: 'corr',
      causationId: null,
    };
    await timers.schedule(db.pool, [
      { ...request, timerId: `t1-${venueId}`, dueAt: '2030-01-01T00:00:10Z' },
      { ...request, timerId: `t2-${venueId}`, dueAt: '2030-01-01T00:01:00Z' },
    ]);
    // Scheduling again is a no-op.
    await timers.schedule(db.pool, [{ ...request, timerId: `t1-${venueId}`, dueAt: '2030-01-01T00:00:10Z' }]);
    expect(await timers.fireDue(db.pool, send, t0, logger)).toBe(0);
    expect(await timers.fireDue(db.pool, send, new Date('2030-01-01T00:00:11Z'), logger)).toBe(1);
    expect(await timers.fireDue(db.pool, send, new Date('2030-01-01T00:00:12Z'), logger)).toBe(0);
    const events = await store.readStream(`venue-${venueId}`);
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata).toMatchObject({
      commandId: `t1-${venueId}`,
      correlationId: 'corr',
      actor: 'system:timer',
    });

    // "Restart": a new instance and a running worker pick up what is still due.
    const again = new DurableTimers(db.schema);
    const controller = new AbortController();
    const worker = runTimerWorker({
      pool: db.pool,
      timers: again,
      send,
      logger,
      clock: () => new Date('2030-01-01T00:02:00Z'),
      pollMs: 10,
      signal: controller.signal,
    });
    for (let i = 0; i < 200 && (await store.readStream(`venue-${venueId}`)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await worker;
    expect(await store.readStream(`venue-${venueId}`)).toHaveLength(2);
  });

  it("a domain refusal is the timer's final answer; cancelled timers never fire, even when scheduled again", async () => {
    const venueId = `v${uuidv7()}`;
    const timers = new DurableTimers(db.schema);
    await timers.schedule(db.pool, [
      {
        timerId: `hold-${venueId}`,
        dueAt: '2030-01-01T00:00:00Z',
        commandName: 'venue.hold-seats',
        data: { venueId, holdId: 'h', count: 5 },
        correlationId: null,
        causationId: null,
      },
      {
        timerId: `add-${venueId}`,
        dueAt: '2030-01-01T00:00:00Z',
        commandName: 'venue.add-seats',
        data: { venueId, count: 5 },
        correlationId: null,
        causationId: null,
      },
    ]);
    await timers.cancel(db.pool, [`add-${venueId}`]);
    // A saga replaying the event that set it schedules it again: it stays cancelled.
    await timers.schedule(db.pool, [
      {
        timerId: `add-${venueId}`,
        dueAt: '2030-01-01T00:00:00Z',
        commandName: 'venue.add-seats',
        data: { venueId, count: 5 },
        correlationId: null,
        causationId: null,
      },
    ]);
    const before = await timers.pending(db.pool);
    await timers.fireDue(db.pool, send, new Date('2030-01-02T00:00:00Z'), logger);
    expect(await timers.pending(db.pool)).toBeLessThan(before);
    const { rows } = await db.pool.query(
      `select timer_id, fired_at is not null as fired, cancelled_at is not null as cancelled
         from "${db.schema}".timers where timer_id like $1 order by timer_id`,
      [`%${venueId}`],
    );
    expect(rows).toEqual([
      { timer_id: `add-${venueId}`, fired: false, cancelled: true },
      { timer_id: `hold-${venueId}`, fired: true, cancelled: false },
    ]);
    expect(await store.readStream(`venue-${venueId}`)).toEqual([]);
  });
});
