import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { toSafeInteger } from '../../infra/postgres/database.ts';
import { comparePositions } from '../../infra/event-store/port.ts';
import type { LogPosition } from '../../infra/event-store/port.ts';
import type { ProjectionState } from './schema.ts';

export type StatusSchemas = Readonly<{ readModelSchema: string; eventStoreSchema: string }>;

export type ProjectionStatus = Readonly<{
  name: string;
  version: number;
  /** The version readers see; a version being rebuilt is listed too, with `active: false`. */
  active: boolean;
  state: ProjectionState;
  /** Everything up to and including this position is applied. */
  checkpoint: LogPosition;
  /** The log's head (last readable event), START on an empty log. */
  head: LogPosition;
  /** Events between the checkpoint and the head (from sequence numbers: exact unless appends rolled back). */
  lagEvents: number;
  /** Age of the oldest event not applied yet; 0 when caught up. */
  lagSeconds: number;
  eventsApplied: number;
  lastError: string | null;
  /** The event it halted on, while halted. */
  failedEvent: Readonly<{ eventId: string; position: LogPosition; type: string; at: Date }> | null;
  owner: string | null;
  updatedAt: Date;
}>;

type StatusRow = {
  name: string;
  version: number;
  active: boolean;
  state: ProjectionState;
  checkpoint_commit: string;
  checkpoint_prepare: string;
  events_applied: string;
  last_error: string | null;
  failed_event_id: string | null;
  failed_event_commit: string | null;
  failed_event_prepare: string | null;
  failed_event_type: string | null;
  failed_at: Date | null;
  owner: string | null;
  updated_at: Date;
  head_commit: string | null;
  head_prepare: string | null;
  next_recorded_at: Date | null;
  now: Date;
};

const int = (value: string, what: string): number => toSafeInteger(value, what);

/**
 * Every projection version with its checkpoint and live lag, measured against
 * the event log now (so a dead worker shows a growing lag, not its last word).
 */
export const readProjectionStatus = async (
  db: Kysely<unknown>,
  schemas: StatusSchemas,
): Promise<readonly ProjectionStatus[]> => {
  const events = sql.table(`${schemas.eventStoreSchema}.events`);
  const { rows } = await sql<StatusRow>`
    with head as (
      select transaction_id::text as commit, position as prepare
        from ${events}
       where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       order by transaction_id desc, position desc
       limit 1
    )
    select p.name, p.version, p.active, p.state, p.checkpoint_commit, p.checkpoint_prepare, p.events_applied,
           p.last_error, p.failed_event_id, p.failed_event_commit, p.failed_event_prepare, p.failed_event_type,
           p.failed_at, p.owner, p.updated_at, h.commit as head_commit, h.prepare as head_prepare,
           n.recorded_at as next_recorded_at, now() as now
      from ${sql.table(`${schemas.readModelSchema}.projection_status`)} p
      left join head h on true
      left join lateral (
        select e.recorded_at
          from ${events} e
         where (e.transaction_id, e.position) > (p.checkpoint_commit::text::xid8, p.checkpoint_prepare)
           and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         order by e.transaction_id, e.position
         limit 1
      ) n on true
     order by p.name, p.version`.execute(db);
  return rows.map(toStatus);
};

const toStatus = (row: StatusRow): ProjectionStatus => {
  const checkpoint = {
    commit: int(row.checkpoint_commit, 'checkpoint'),
    prepare: int(row.checkpoint_prepare, 'checkpoint'),
  };
  const head =
    row.head_commit === null || row.head_prepare === null
      ? { commit: 0, prepare: 0 }
      : { commit: int(row.head_commit, 'head'), prepare: int(row.head_prepare, 'head') };
  const behind = row.next_recorded_at !== null;
  return {
    name: row.name,
    version: row.version,
    active: row.active,
    state: row.state,
    checkpoint,
    head,
    lagEvents: behind ? Math.max(1, head.prepare - checkpoint.prepare) : 0,
    lagSeconds:
      row.next_recorded_at === null
        ? 0
        : Math.max(0, (row.now.getTime() - row.next_recorded_at.getTime()) / 1000),
    eventsApplied: int(row.events_applied, 'events applied'),
    lastError: row.last_error,
    failedEvent:
      row.failed_event_id === null ||
      row.failed_event_commit === null ||
      row.failed_event_prepare === null ||
      row.failed_event_type === null ||
      row.failed_at === null
        ? null
        : {
            eventId: row.failed_event_id,
            position: {
              commit: int(row.failed_event_commit, 'position'),
              prepare: int(row.failed_event_prepare, 'position'),
            },
            type: row.failed_event_type,
            at: row.failed_at,
          },
    owner: row.owner,
    updatedAt: row.updated_at,
  };
};

/** The checkpoint of each active projection version, by name. Cheap: no log query. */
export const readCheckpoints = async (
  db: Kysely<unknown>,
  readModelSchema: string,
): Promise<ReadonlyMap<string, LogPosition>> => {
  const { rows } = await sql<{ name: string; checkpoint_commit: string; checkpoint_prepare: string }>`
    select name, checkpoint_commit, checkpoint_prepare
      from ${sql.table(`${readModelSchema}.projection_status`)}
     where active`.execute(db);
  return new Map(
    rows.map((r) => [
      r.name,
      { commit: int(r.checkpoint_commit, 'checkpoint'), prepare: int(r.checkpoint_prepare, 'checkpoint') },
    ]),
  );
};

/**
 * Whether every named active projection (all of them when `names` is omitted)
 * has applied the event at `position`: read-your-writes for a command's reply.
 * An unknown name is never reached.
 */
export const hasReached = async (
  db: Kysely<unknown>,
  readModelSchema: string,
  position: LogPosition,
  names?: readonly string[],
): Promise<boolean> => {
  const checkpoints = await readCheckpoints(db, readModelSchema);
  const wanted = names ?? [...checkpoints.keys()];
  return wanted.every((name) => {
    const checkpoint = checkpoints.get(name);
    return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
  });
};
