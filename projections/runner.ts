import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { EventStore, LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import { comparePositions } from '../infra/event-store/port.ts';
import { createKysely } from '../infra/postgres/database.ts';
import type { Logger } from '../infra/logging.ts';
import { allProjections } from './all.ts';
import { applyEvents, isolatePoison, loadTargets, stillCurrent, writeCheckpoints } from './apply.ts';
import type { Lag, Target } from './apply.ts';
import { projectionMetrics } from './metrics.ts';
import type { ProjectionMetrics } from './metrics.ts';
import type { Projection } from './projection.ts';

export type WorkerOptions = Readonly<{
  pool: pg.Pool;
  store: EventStore;
  /** The read-model schema (READ_MODEL_SCHEMA). */
  schema: string;
  projections?: readonly Projection[];
  /** Events read per batch (1..10,000). */
  batchSize?: number;
  /** Longest pause between polls of a quiet log. */
  maxIdleMs?: number;
  /** How often a worker tries to take the projections it does not own (another worker's may have died). */
  lockRetryMs?: number;
  /** Pause after a lost connection or an unexpected failure before starting over. */
  restartDelayMs?: number;
  workerId?: string;
  logger?: Logger;
  /** Test seam: runs inside each batch transaction after the writes, before the commit. */
  beforeCommit?: () => Promise<void>;
  metrics?: ProjectionMetrics;
}>;

export type ProjectionWorker = Readonly<{
  /** Names of the projections this worker holds right now. */
  owned: () => readonly string[];
  /** Finishes the batch in flight, releases its locks, resolves when done. */
  stop: () => Promise<void>;
}>;

// Advisory lock keys: (namespace, hashtext(schema.projection)); the two-int form
// never collides with the single-bigint keys of the migrations.
export const OWNER_LOCK = 0x70726f6a;
export const REBUILD_LOCK = 0x72626c64;

export const lockKey = (schema: string, name: string): string => `${schema}.${name}`;

const noLag: Lag = { events: 0, seconds: 0 };

/**
 * A projection worker: owns each projection it can lock (a session advisory
 * lock, on the one connection it also writes through, so losing the
 * connection loses the lock and the writes together), reads the log from the
 * lowest checkpoint of its running projections, and applies every batch to
 * all of them in one transaction, each in a savepoint with its checkpoint.
 * A projection that fails is retried event by event to find the event it
 * cannot apply, and halted there; the others go on.
 */
export const startProjectionWorker = (options: WorkerOptions): ProjectionWorker => {
  const projections = options.projections ?? allProjections;
  const batchSize = options.batchSize ?? 1000;
  const maxIdleMs = options.maxIdleMs ?? 50;
  const lockRetryMs = options.lockRetryMs ?? 2000;
  const restartDelayMs = options.restartDelayMs ?? 1000;
  const owner = options.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const metrics = options.metrics ?? projectionMetrics();
  const logger = options.logger;
  const db = createKysely<unknown>(options.pool);
  const abort = new AbortController();
  let owned: string[] = [];
  let head: Readonly<{ position: LogPosition; readAt: number }> = {
    position: { commit: 0, prepare: 0 },
    readAt: 0,
  };

  const lagAfter = async (batch: readonly RecordedEvent[]): Promise<Lag> => {
    const last = batch.at(-1);
    // A batch shorter than asked for read everything committed: caught up.
    if (last === undefined || batch.length < batchSize) return noLag;
    if (Date.now() - head.readAt > 1000)
      head = { position: await options.store.headPosition(), readAt: Date.now() };
    return {
      events: Math.max(0, head.position.prepare - last.position.prepare),
      seconds: Math.max(0, (Date.now() - Date.parse(last.recordedAt)) / 1000),
    };
  };

  const report = (targets: readonly Target[], lag: Lag): void => {
    for (const t of targets) {
      metrics.lagEvents.set({ projection: t.projection.name }, lag.events);
      metrics.lagSeconds.set({ projection: t.projection.name }, lag.seconds);
    }
  };

  const tryLock = async (conn: Kysely<unknown>): Promise<void> => {
    for (const projection of projections) {
      if (owned.includes(projection.name)) continue;
      const { rows } = await sql<{ locked: boolean }>`
        select pg_try_advisory_lock(${OWNER_LOCK}, hashtext(${lockKey(options.schema, projection.name)})) as locked`.execute(
        conn,
      );
      if (rows[0]?.locked === true) {
        owned = [...owned, projection.name];
        logger?.info({ projection: projection.name, owner }, 'projection owned');
      }
    }
  };

  const isolate = async (
    conn: Kysely<unknown>,
    target: Target,
    batch: readonly RecordedEvent[],
  ): Promise<void> => {
    const halted = await isolatePoison(conn, options.schema, target, batch, owner, lagAfter);
    if (halted === null) return;
    metrics.halted.set({ projection: target.projection.name }, 1);
    logger?.error(
      {
        projection: target.projection.name,
        eventId: halted.event.eventId,
        type: halted.event.type,
        err: halted.error,
      },
      'projection halted on an event it cannot apply',
    );
  };

  const session = async (conn: Kysely<unknown>): Promise<void> => {
    let lockedAt = 0;
    let idleMs = 1;
    let targets: Target[] | null = null;
    let targetsAt = 0;
    // A commit lost in a crash loses the read-model writes and their checkpoint together: they are
    // applied again. So projection commits need not wait for the WAL flush.
    await sql`set synchronous_commit = off`.execute(conn);
    try {
      while (!abort.signal.aborted) {
        if (owned.length < projections.length && Date.now() - lockedAt >= lockRetryMs) {
          await tryLock(conn);
          lockedAt = Date.now();
        }
        // The status rows are re-read when idle, after a failure, when ownership changed, and at least
        // every second (an operator's retry or skip); in between, the last commit says where we are.
        if (targets === null || Date.now() - targetsAt > 1000 || targets.length !== owned.length) {
          const mine = projections.filter((p) => owned.includes(p.name));
          targets = await loadTargets(
            conn,
            options.schema,
            mine.map((projection) => ({ projection })),
          );
          targetsAt = Date.now();
          for (const t of targets)
            metrics.halted.set({ projection: t.projection.name }, t.state === 'halted' ? 1 : 0);
        }
        const running = targets.filter((t) => t.state === 'running');
        const from = running.map((t) => t.checkpoint).sort(comparePositions)[0];
        if (from === undefined) {
          targets = null;
          await sleep(Math.min(lockRetryMs, 250), undefined, { signal: abort.signal }).catch(() => undefined);
          continue;
        }
        const batch = await options.store.readAll({ after: from, maxCount: batchSize });
        const last = batch.at(-1);
        if (last === undefined) {
          report(running, noLag);
          targets = null;
          await options.store.waitForAppend(idleMs, abort.signal);
          idleMs = Math.min(maxIdleMs, idleMs * 2);
          continue;
        }
        idleMs = 1;
        const started = process.hrtime.bigint();
        const lag = await lagAfter(batch);
        const applied = new Map<string, number>();
        const failure: { target: Target | null } = { target: null };
        try {
          await conn.transaction().execute(async (trx) => {
            const fresh = await loadTargets(trx, options.schema, running, { forUpdate: true });
            const current = running.filter((t) => stillCurrent(t, fresh));
            for (const target of current) {
              try {
                applied.set(target.projection.name, await applyEvents(trx, options.schema, target, batch));
              } catch (error) {
                failure.target = target;
                throw error;
              }
            }
            await writeCheckpoints(trx, options.schema, current, batch, applied, lag, owner);
            await options.beforeCommit?.();
          });
        } catch (error) {
          // The whole batch was rolled back; the failing projection is isolated and the others redo it.
          const failed = failure.target;
          if (failed === null) throw error;
          logger?.warn(
            { projection: failed.projection.name, err: error },
            'batch failed; isolating the event',
          );
          await isolate(conn, failed, batch);
          targets = null;
          continue;
        }
        for (const [name, n] of applied) metrics.events.inc({ projection: name }, n);
        metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        report(running, lag);
        targets = targets.map((t) =>
          applied.has(t.projection.name) && comparePositions(last.position, t.checkpoint) > 0
            ? { ...t, checkpoint: last.position }
            : t,
        );
        if (applied.size !== running.length) targets = null;
      }
    } finally {
      const held = owned;
      owned = [];
      // Session locks outlive the checkout: release them before the connection goes back to the pool.
      await sql`select pg_advisory_unlock_all()`.execute(conn).catch(() => undefined);
      await sql`reset synchronous_commit`.execute(conn).catch(() => undefined);
      if (held.length > 0) logger?.info({ projections: held, owner }, 'projections released');
    }
  };

  const stopping = (): boolean => abort.signal.aborted;
  const done = (async () => {
    while (!stopping()) {
      try {
        await db.connection().execute(session);
      } catch (error) {
        if (stopping()) break;
        logger?.error({ err: error, owner }, 'projection worker failed; starting over');
        await sleep(restartDelayMs, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  })();

  return {
    owned: () => owned,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
};
