import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { EventStore, LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import { comparePositions } from '../infra/event-store/port.ts';
import { createKysely } from '../infra/postgres/database.ts';
import type { Logger } from '../infra/logging.ts';
import { projectionByName } from './all.ts';
import { applyBatch, isolatePoison, loadTargets } from './apply.ts';
import type { Lag, Target } from './apply.ts';
import { bulkFold } from './bulk-fold.ts';
import { installVersion } from './read-models/install.ts';
import type { ProjectionName } from './read-models/projections.ts';
import { dropTables, versionTables } from './read-models/tables.ts';
import { REBUILD_LOCK, lockKey } from './runner.ts';

export class RebuildError extends Error {
  override readonly name = 'RebuildError';
}

export type RebuildProgress = Readonly<{
  phase: 'fold' | 'index' | 'catch-up' | 'switch' | 'done';
  /** Events read from the log so far (handled or not). */
  events: number;
  checkpoint: LogPosition;
  head: LogPosition;
}>;

export type RebuildOptions = Readonly<{
  pool: pg.Pool;
  store: EventStore;
  schema: string;
  names: readonly ProjectionName[];
  /** Events per read (1..10,000), and per transaction after the first pass. */
  batchSize?: number;
  /** First pass: events folded in memory between two commits (default 50,000). */
  flushEvents?: number;
  /** First pass: rows each projection keeps in memory at most (default 2,000,000). */
  maxCachedRows?: number;
  onProgress?: (progress: RebuildProgress) => void;
  logger?: Logger;
  signal?: AbortSignal;
}>;

export type RebuildResult = Readonly<{
  name: ProjectionName;
  from: number | null;
  to: number;
  events: number;
}>;

const status = (schema: string) => sql.table(`${schema}.projection_status`);

/**
 * Rebuilds projections without downtime: builds version N+1 of each into new
 * tables from position zero (or resumes a rebuild that was interrupted),
 * while readers keep reading version N through the stable views and the
 * workers keep it current; adds the indexes; catches up; then, in one
 * transaction, applies the last events, points the views at N+1 and marks it
 * active, so the workers carry on with it. Version N's tables are dropped
 * afterwards.
 */
export const rebuildProjections = async (options: RebuildOptions): Promise<readonly RebuildResult[]> => {
  const batchSize = options.batchSize ?? 10_000;
  const flushEvents = options.flushEvents ?? 50_000;
  const maxCachedRows = options.maxCachedRows ?? 2_000_000;
  const owner = `rebuild:${hostname()}:${process.pid}`;
  const db = createKysely<unknown>(options.pool);
  let events = 0;
  let head: Readonly<{ position: LogPosition; readAt: number }> = {
    position: { commit: 0, prepare: 0 },
    readAt: 0,
  };

  const refreshHead = async (): Promise<LogPosition> => {
    if (Date.now() - head.readAt > 500)
      head = { position: await options.store.headPosition(), readAt: Date.now() };
    return head.position;
  };
  const lagAfter = async (batch: readonly RecordedEvent[]): Promise<Lag> => {
    const last = batch.at(-1);
    if (last === undefined) return { events: 0, seconds: 0 };
    const h = await refreshHead();
    return {
      events: Math.max(0, h.prepare - last.position.prepare),
      seconds: Math.max(0, (Date.now() - Date.parse(last.recordedAt)) / 1000),
    };
  };

  /**
   * Applies one batch to every target, each in a transaction of its own on a
   * connection of its own, in parallel (the versions being built are written
   * by this rebuild only, and each commits its rows with its checkpoint);
   * halts (and throws) on an event one cannot apply.
   */
  const applyAll = async (conn: Kysely<unknown>, targets: Target[], batch: readonly RecordedEvent[]) => {
    const lag = await lagAfter(batch);
    const outcomes = await Promise.allSettled(
      targets.map((target) =>
        db.transaction().execute(async (trx) => {
          await sql`set local synchronous_commit = off`.execute(trx);
          await applyBatch(trx, options.schema, target, batch, lag, owner);
        }),
      ),
    );
    const failed = targets.filter((_, i) => outcomes[i]?.status === 'rejected');
    for (const target of failed) {
      const halt = await isolatePoison(conn, options.schema, target, batch, owner, lagAfter);
      if (halt !== null) {
        const reason = halt.error instanceof Error ? halt.error.message : String(halt.error);
        throw new RebuildError(
          `${target.projection.name} v${target.version} cannot apply ${halt.event.type} ${halt.event.eventId} at ` +
            `${halt.event.position.commit}:${halt.event.position.prepare}: ${reason}`,
        );
      }
    }
    const last = batch.at(-1);
    if (last === undefined) return targets;
    return targets.map((t) =>
      comparePositions(last.position, t.checkpoint) > 0 ? { ...t, checkpoint: last.position } : t,
    );
  };

  /** The log after `from` in batches, until a read comes back short: what is committed. Reads one batch ahead. */
  async function* readFrom(from: LogPosition): AsyncGenerator<readonly RecordedEvent[]> {
    let pending = options.store.readAll({ after: from, maxCount: batchSize });
    for (;;) {
      const batch = await pending;
      const last = batch.at(-1);
      if (last === undefined) return;
      const full = batch.length === batchSize;
      if (full) pending = options.store.readAll({ after: last.position, maxCount: batchSize });
      yield batch;
      if (!full) return;
    }
  }

  /** The first pass, from the targets' checkpoints to what is committed, folded in memory (see bulkFold). */
  const foldInBulk = (conn: Kysely<unknown>, start: Target[], wanted: Parameters<typeof loadTargets>[2]) => {
    const from = start.map((t) => t.checkpoint).sort(comparePositions)[0];
    if (from === undefined) return Promise.resolve(start);
    return bulkFold(
      {
        db,
        schema: options.schema,
        owner,
        batches: readFrom(from),
        flushEvents,
        maxCachedRows,
        lagAfter,
        reload: () => loadTargets(conn, options.schema, wanted),
        applyDirect: (targets, batch) => applyAll(conn, targets, batch),
        onBatch: async (batch) => {
          events += batch.length;
          const last = batch.at(-1);
          if (last !== undefined)
            options.onProgress?.({
              phase: 'fold',
              events,
              checkpoint: last.position,
              head: await refreshHead(),
            });
        },
        signal: options.signal,
      },
      start,
    );
  };

  /** Reads and applies until a read comes back short: caught up with what is committed. Reads one batch ahead. */
  const fold = async (
    conn: Kysely<unknown>,
    start: Target[],
    phase: RebuildProgress['phase'],
  ): Promise<Target[]> => {
    let targets = start;
    const from = targets.map((t) => t.checkpoint).sort(comparePositions)[0];
    if (from === undefined) return targets;
    let pending = options.store.readAll({ after: from, maxCount: batchSize });
    for (;;) {
      options.signal?.throwIfAborted();
      const batch = await pending;
      const last = batch.at(-1);
      if (last === undefined) return targets;
      const full = batch.length === batchSize;
      if (full) pending = options.store.readAll({ after: last.position, maxCount: batchSize });
      targets = await applyAll(conn, targets, batch);
      events += batch.length;
      options.onProgress?.({ phase, events, checkpoint: last.position, head: await refreshHead() });
      if (!full) return targets;
    }
  };

  return db.connection().execute(async (conn) => {
    const locked: ProjectionName[] = [];
    // As in the worker: a lost commit loses the writes and their checkpoint together.
    await sql`set synchronous_commit = off`.execute(conn);
    try {
      for (const name of options.names) {
        const { rows } = await sql<{ locked: boolean }>`
          select pg_try_advisory_lock(${REBUILD_LOCK}, hashtext(${lockKey(options.schema, name)})) as locked`.execute(
          conn,
        );
        if (rows[0]?.locked !== true) throw new RebuildError(`a rebuild of ${name} is already running`);
        locked.push(name);
      }

      // A version left by an interrupted rebuild is resumed from its checkpoint.
      const plan = await conn.transaction().execute(async (trx) => {
        const out: { name: ProjectionName; from: number | null; to: number }[] = [];
        for (const name of options.names) {
          const { rows } = await sql<{ version: number; active: boolean }>`
            select version, active from ${status(options.schema)} where name = ${name} order by version`.execute(
            trx,
          );
          const from = rows.find((r) => r.active)?.version ?? null;
          const resumable = rows.find((r) => !r.active);
          if (resumable !== undefined) {
            out.push({ name, from, to: resumable.version });
            continue;
          }
          const to = Math.max(0, ...rows.map((r) => r.version)) + 1;
          await installVersion(trx, options.schema, name, to, { active: false });
          out.push({ name, from, to });
        }
        return out;
      });
      options.logger?.info({ plan }, 'rebuilding');

      const wanted = plan.map((p) => ({ projection: projectionByName(p.name), version: p.to }));
      let targets = await loadTargets(conn, options.schema, wanted);
      targets = await foldInBulk(conn, targets, wanted);

      options.onProgress?.({
        phase: 'index',
        events,
        checkpoint: targets[0]?.checkpoint ?? head.position,
        head: head.position,
      });
      for (const t of targets) {
        await t.projection.schema.createIndexes(
          conn,
          versionTables(options.schema, t.projection.name, t.version),
        );
      }
      targets = await fold(conn, targets, 'catch-up');

      options.onProgress?.({
        phase: 'switch',
        events,
        checkpoint: targets[0]?.checkpoint ?? head.position,
        head: head.position,
      });
      await conn.transaction().execute(async (trx) => {
        // Waits for a worker's batch in flight on the old version, and keeps the next one out.
        await sql`
          select 1 from ${status(options.schema)}
           where name = any(${plan.map((p) => p.name)}::text[])
           order by name, version
             for update`.execute(trx);
        let current = targets;
        for (;;) {
          const from = current.map((t) => t.checkpoint).sort(comparePositions)[0];
          const batch =
            from === undefined ? [] : await options.store.readAll({ after: from, maxCount: batchSize });
          if (batch.length === 0) break;
          const lag = await lagAfter(batch);
          for (const t of current) await applyBatch(trx, options.schema, t, batch, lag, owner);
          events += batch.length;
          const last = batch.at(-1);
          if (last !== undefined) current = current.map((t) => ({ ...t, checkpoint: last.position }));
          if (batch.length < batchSize) break;
        }
        for (const p of plan) {
          await sql`
            update ${status(options.schema)} set active = false, updated_at = now()
             where name = ${p.name} and active`.execute(trx);
          await sql`
            update ${status(options.schema)}
               set active = true, state = 'running', owner = null, lag_events = 0, lag_seconds = 0, updated_at = now()
             where name = ${p.name} and version = ${p.to}`.execute(trx);
          const definition = projectionByName(p.name).schema;
          await definition.createViews(trx, versionTables(options.schema, p.name, p.to));
        }
      });

      for (const p of plan) {
        if (p.from === null || p.from === p.to) continue;
        const definition = projectionByName(p.name).schema;
        await conn.transaction().execute(async (trx) => {
          await dropTables(trx, versionTables(options.schema, p.name, p.from ?? 0), definition.tables);
          await sql`delete from ${status(options.schema)} where name = ${p.name} and version = ${p.from}`.execute(
            trx,
          );
        });
      }
      options.onProgress?.({ phase: 'done', events, checkpoint: head.position, head: head.position });
      return plan.map((p) => ({ ...p, events }));
    } finally {
      await sql`reset synchronous_commit`.execute(conn).catch(() => undefined);
      for (const name of locked) {
        await sql`select pg_advisory_unlock(${REBUILD_LOCK}, hashtext(${lockKey(options.schema, name)}))`
          .execute(conn)
          .catch(() => undefined);
      }
    }
  });
};
