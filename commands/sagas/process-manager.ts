import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { toSafeInteger } from '../../infra/postgres/database.ts';
import { START } from '../../infra/event-store/port.ts';
import type { EventStore, JsonValue, LogPosition, RecordedEvent } from '../../infra/event-store/port.ts';
import { subscribeBatches } from '../../infra/event-store/subscription.ts';
import type { Reply } from '../envelope.ts';
import type { DurableTimers, TimerRequest } from '../timers/timers.ts';

/** What a process manager may do in reaction to an event; all of it idempotent. */
export type SagaContext = Readonly<{
  /**
   * Sends a command with a deterministic id derived from the event and `key`,
   * so a replay after a crash gets the first answer back and writes nothing new.
   * Correlation flows from the event; causation is the event.
   */
  send: (name: string, key: string, data: JsonValue) => Promise<Reply>;
  schedule: (key: string, dueAt: string, name: string, data: JsonValue) => Promise<void>;
  cancel: (key: string) => Promise<void>;
  readStream: EventStore['readStream'];
  logger: Logger;
}>;

export type ProcessManager = Readonly<{
  name: string;
  /** Event types it reacts to; the checkpoint still moves over all others. */
  handles: readonly string[];
  react: (event: RecordedEvent, ctx: SagaContext) => Promise<void>;
}>;

export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/** A command id from a saga: stable across replays, unique per (saga, event, step). */
export const sagaCommandId = (saga: string, eventId: string, key: string): string =>
  `${saga}:${createHash('sha256').update(`${eventId}:${key}`).digest('base64url').slice(0, 22)}`;

/** A timer id that is the same from every event of one subject (say, one order's payment deadline). */
export const timerId = (saga: string, key: string): string => `${saga}:timer:${key}`;

const TRANSIENT = new Set(['UNAVAILABLE', 'CONFLICT', 'INTERNAL_ERROR']);

export type ProcessManagerRunOptions = Readonly<{
  manager: ProcessManager;
  store: EventStore;
  pool: pg.Pool;
  schema: string;
  timers: DurableTimers;
  execute: (name: string, body: JsonValue) => Promise<Reply>;
  logger: Logger;
  signal: AbortSignal;
  retryDelayMs?: number;
}>;

/**
 * Runs one process manager over the log from its checkpoint: react, then
 * checkpoint. A crash between the two replays the reaction, which is harmless:
 * every command it sends has a deterministic id, and timers are keyed. A
 * transient refusal (the store unavailable, a conflict after retries) retries
 * the same event; it is never skipped. One runner per manager at a time
 * (advisory lock); a standby takes over when the owner's connection dies.
 */
export const runProcessManager = async (options: ProcessManagerRunOptions): Promise<void> => {
  const { manager, store, pool, schema, timers, logger, signal } = options;
  const table = `"${schema}".saga_checkpoints`;
  const lockKey = createHash('sha256').update(`saga:${schema}:${manager.name}`).digest().readInt32BE(0);
  const handles = new Set(manager.handles);
  const lock = await pool.connect();
  try {
    for (;;) {
      const { rows } = await lock.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [lockKey]);
      if (rows[0]?.ok === true) break;
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { rows } = await pool.query<{ commit: string; prepare: string }>(
      `select commit, prepare from ${table} where name = $1`,
      [manager.name],
    );
    const row = rows[0];
    const after: LogPosition =
      row === undefined
        ? START
        : { commit: toSafeInteger(row.commit, 'commit'), prepare: toSafeInteger(row.prepare, 'prepare') };
    for await (const batch of subscribeBatches(store, { after, signal, batchSize: 200 })) {
      for (const event of batch) {
        if (!handles.has(event.type)) continue;
        await reactUntilDone(
          manager,
          event,
          contextFor(options, event),
          logger,
          signal,
          options.retryDelayMs ?? 200,
        );
        if (signal.aborted) return;
      }
      const last = batch.at(-1);
      if (last === undefined) continue;
      await pool.query(
        `insert into ${table} (name, commit, prepare) values ($1, $2, $3)
         on conflict (name) do update set commit = excluded.commit, prepare = excluded.prepare, updated_at = now()`,
        [manager.name, last.position.commit, last.position.prepare],
      );
    }
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    lock.release();
  }

  function contextFor(o: ProcessManagerRunOptions, event: RecordedEvent): SagaContext {
    const correlationId = event.metadata.correlationId ?? event.eventId;
    const timer = (key: string, dueAt: string, name: string, data: JsonValue): TimerRequest => ({
      timerId: timerId(manager.name, key),
      dueAt,
      commandName: name,
      data,
      correlationId,
      causationId: event.eventId,
    });
    return {
      send: async (name, key, data) => {
        const reply = await o.execute(name, {
          commandId: sagaCommandId(manager.name, event.eventId, key),
          data,
          metadata: { correlationId, causationId: event.eventId, actor: `saga:${manager.name}` },
        });
        if (reply.status === 'refused' && TRANSIENT.has(reply.code))
          throw new RetryLater(`${name}: ${reply.code}`);
        return reply;
      },
      schedule: (key, dueAt, name, data) => timers.schedule(pool, [timer(key, dueAt, name, data)]),
      cancel: (key) => timers.cancel(pool, [timerId(manager.name, key)]),
      readStream: (streamId, readOptions) => store.readStream(streamId, readOptions),
      logger: o.logger,
    };
  }
};

/**
 * Runs `run` again whenever it fails (the database went away, say) until
 * `signal` aborts, so a role outlives a transient failure.
 */
export const superviseUntilAborted = async (
  what: string,
  run: () => Promise<void>,
  logger: Logger,
  signal: AbortSignal,
  restartDelayMs = 1000,
): Promise<void> => {
  // A function, not the property: TypeScript would keep the loop condition's narrowing across the await.
  const aborted = (): boolean => signal.aborted;
  while (!aborted()) {
    try {
      await run();
    } catch (error) {
      if (aborted()) return;
      logger.error({ err: error }, `${what} failed; restarting in ${restartDelayMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, restartDelayMs));
    }
  }
};

const reactUntilDone = async (
  manager: ProcessManager,
  event: RecordedEvent,
  ctx: SagaContext,
  logger: Logger,
  signal: AbortSignal,
  retryDelayMs: number,
): Promise<void> => {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await manager.react(event, ctx);
      return;
    } catch (error) {
      logger.warn(
        { err: error, saga: manager.name, eventId: event.eventId, attempt },
        'saga reaction failed; retrying the same event',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, retryDelayMs * attempt)));
    }
  }
};
