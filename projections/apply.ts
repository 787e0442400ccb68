import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { comparePositions } from '../infra/event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import { toSafeInteger } from '../infra/postgres/database.ts';
import type { Projection } from './projection.ts';
import type { ProjectionState } from './read-models/schema.ts';
import type { RowStore } from './rows.ts';
import { versionTables } from './read-models/tables.ts';

/** One version of one projection as the runner sees it: where it stands. */
export type Target = Readonly<{
  projection: Projection;
  version: number;
  state: ProjectionState;
  active: boolean;
  checkpoint: LogPosition;
}>;

type StatusRow = {
  name: string;
  version: number;
  state: ProjectionState;
  active: boolean;
  checkpoint_commit: string;
  checkpoint_prepare: string;
};

const status = (schema: string) => sql.table(`${schema}.projection_status`);

const toTarget = (projection: Projection, row: StatusRow): Target => ({
  projection,
  version: row.version,
  state: row.state,
  active: row.active,
  checkpoint: {
    commit: toSafeInteger(row.checkpoint_commit, 'checkpoint'),
    prepare: toSafeInteger(row.checkpoint_prepare, 'checkpoint'),
  },
});

/** The status rows of these projections: the active version, or the named version. */
export const loadTargets = async (
  db: Kysely<unknown>,
  schema: string,
  wanted: readonly Readonly<{ projection: Projection; version?: number }>[],
  options: Readonly<{ forUpdate?: boolean }> = {},
): Promise<Target[]> => {
  if (wanted.length === 0) return [];
  const names = wanted.map((w) => w.projection.name);
  const { rows } = await sql<StatusRow>`
    select name, version, state, active, checkpoint_commit, checkpoint_prepare
      from ${status(schema)}
     where name = any(${names}::text[])
     order by name, version
     ${options.forUpdate === true ? sql`for update` : sql``}`.execute(db);
  return wanted.flatMap((w) => {
    const row = rows.find(
      (r) => r.name === w.projection.name && (w.version === undefined ? r.active : r.version === w.version),
    );
    return row === undefined ? [] : [toTarget(w.projection, row)];
  });
};

export type Lag = Readonly<{ events: number; seconds: number }>;

/**
 * Applies the batch's events after the target's checkpoint that it handles; returns how many.
 * Rows go straight to SQL through `db` unless a row store is given.
 */
export const applyEvents = async (
  db: Kysely<unknown>,
  schema: string,
  target: Target,
  batch: readonly RecordedEvent[],
  rows?: RowStore,
): Promise<number> => {
  const handled = batch.filter(
    (e) => target.projection.handles.has(e.type) && comparePositions(e.position, target.checkpoint) > 0,
  );
  if (handled.length > 0) {
    const t = versionTables(schema, target.projection.name, target.version);
    await target.projection.apply(db, t, handled, rows);
  }
  return handled.length;
};

/**
 * Moves the targets' checkpoints to the batch's last event, in one statement,
 * in the caller's transaction (the one that wrote the read-model changes).
 */
export const writeCheckpoints = async (
  db: Kysely<unknown>,
  schema: string,
  targets: readonly Target[],
  batch: readonly RecordedEvent[],
  applied: ReadonlyMap<string, number>,
  lag: Lag,
  owner: string,
): Promise<void> => {
  const last = batch.at(-1);
  const moving = targets.filter(
    (t) => last !== undefined && comparePositions(last.position, t.checkpoint) > 0,
  );
  if (last === undefined || moving.length === 0) return;
  const rows = moving.map((t) => ({
    n: t.projection.name,
    v: t.version,
    a: applied.get(t.projection.name) ?? 0,
  }));
  await sql`
    update ${status(schema)} s
       set checkpoint_commit = ${last.position.commit}, checkpoint_prepare = ${last.position.prepare},
           events_applied = s.events_applied + x.a, lag_events = ${lag.events}, lag_seconds = ${lag.seconds},
           owner = ${owner}, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(n text, v int, a int)
     where s.name = x.n and s.version = x.v`.execute(db);
};

/** `applyEvents` and `writeCheckpoints` for one target. */
export const applyBatch = async (
  db: Kysely<unknown>,
  schema: string,
  target: Target,
  batch: readonly RecordedEvent[],
  lag: Lag,
  owner: string,
): Promise<number> => {
  const n = await applyEvents(db, schema, target, batch);
  await writeCheckpoints(db, schema, [target], batch, new Map([[target.projection.name, n]]), lag, owner);
  return n;
};

/**
 * Re-reads the target's row inside the transaction, locked: the batch may be
 * applied only if nobody moved the checkpoint, changed the state or switched
 * the active version since the worker looked. This fences out a worker that
 * lost its lock without noticing.
 */
export const stillCurrent = (target: Target, fresh: readonly Target[]): boolean => {
  const now = fresh.find((f) => f.projection.name === target.projection.name && f.version === target.version);
  return (
    now !== undefined &&
    now.state === target.state &&
    now.active === target.active &&
    comparePositions(now.checkpoint, target.checkpoint) === 0
  );
};

export const recordHalt = async (
  db: Kysely<unknown>,
  schema: string,
  target: Target,
  event: RecordedEvent,
  error: unknown,
  lag: Lag,
  owner: string,
): Promise<void> => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await sql`
    update ${status(schema)}
       set state = ${target.active ? 'halted' : target.state}, last_error = ${message.slice(0, 4000)},
           failed_event_id = ${event.eventId}, failed_event_commit = ${event.position.commit},
           failed_event_prepare = ${event.position.prepare}, failed_event_type = ${event.type},
           failed_at = now(), lag_events = ${lag.events}, lag_seconds = ${lag.seconds},
           owner = ${owner}, updated_at = now()
     where name = ${target.projection.name} and version = ${target.version}`.execute(db);
};

export const savepoint = async <T>(db: Kysely<unknown>, name: string, body: () => Promise<T>): Promise<T> => {
  await sql`savepoint ${sql.id(name)}`.execute(db);
  try {
    const result = await body();
    await sql`release savepoint ${sql.id(name)}`.execute(db);
    return result;
  } catch (error) {
    await sql`rollback to savepoint ${sql.id(name)}`.execute(db);
    throw error;
  }
};

export type Halt = Readonly<{ event: RecordedEvent; error: unknown }>;

/**
 * After a batch failed for a projection: applies its events one by one, each
 * in its own transaction, so everything before the culprit is kept, and halts
 * the projection on the first event that fails alone (recording it). Null when
 * every event applied (the failure was transient) or another owner moved on.
 */
export const isolatePoison = async (
  conn: Kysely<unknown>,
  schema: string,
  target: Target,
  batch: readonly RecordedEvent[],
  owner: string,
  lagAfter: (events: readonly RecordedEvent[]) => Promise<Lag>,
): Promise<Halt | null> => {
  let current = target;
  for (const event of batch) {
    if (comparePositions(event.position, current.checkpoint) <= 0) continue;
    const outcome = await conn.transaction().execute(async (trx): Promise<'moved' | 'applied' | Halt> => {
      const fresh = await loadTargets(
        trx,
        schema,
        [{ projection: current.projection, version: current.version }],
        {
          forUpdate: true,
        },
      );
      if (!stillCurrent(current, fresh)) return 'moved';
      try {
        await savepoint(trx, 'event', () =>
          applyBatch(trx, schema, current, [event], { events: 0, seconds: 0 }, owner),
        );
        return 'applied';
      } catch (error) {
        await recordHalt(trx, schema, current, event, error, await lagAfter([event]), owner);
        return { event, error };
      }
    });
    if (outcome === 'moved') return null;
    if (outcome !== 'applied') return outcome;
    current = { ...current, checkpoint: event.position };
  }
  return null;
};
