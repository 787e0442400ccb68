import type pg from 'pg';
import { toSafeInteger } from '../../postgres/database.ts';
import { START } from '../port.ts';
import type { EventMetadata, JsonValue, LogPosition, RecordedEvent } from '../port.ts';

/**
 * The read side of the Postgres log: the queries and the mapping of their
 * rows to `RecordedEvent`. Shared by the store and the audit's log reader, so
 * that both return the very same events.
 */

/** Anything that can run a query: the pool, or a client inside a caller's transaction. */
export type LogSource = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * The event columns, in the order of `EventRow`. The time and the hash leave
 * Postgres as the text the port returns (ISO 8601 in UTC with milliseconds, as
 * toISOString prints it, and hex): parsing them into a Date and a Buffer only
 * to print them again was 40 % of a read's CPU in Node.
 *
 * Every computed column keeps an alias of its own, never a column's name: an
 * `order by transaction_id` would sort by a select-list entry called
 * `transaction_id` (the text!) before the column, and walk no index.
 */
export const EVENT_COLUMNS = `event_id, stream_id, stream_revision, transaction_id::text as commit, position,
  event_type, data, metadata, schema_version,
  to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as recorded_text,
  encode(hash, 'hex') as hash_hex`;

/**
 * A row as `pg` returns it in array mode (bigints as text, jsonb parsed).
 * Arrays, not objects: no named property per column to create (8.5 instead
 * of 9.3 µs of Node CPU per event on an idle machine; JSON.parse of data and
 * metadata is most of what remains, docs/benchmarks.md).
 */
type EventRow = [
  eventId: string,
  streamId: string,
  revision: string,
  commit: string,
  position: string,
  type: string,
  data: JsonValue,
  metadata: EventMetadata,
  schemaVersion: number,
  recordedAt: string,
  hash: string,
];

/** Only transactions older than every running one: nothing can commit before them any more (docs/event-store.md). */
export const SETTLED = `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

export type LogReadQueries = Readonly<{
  /** $1 stream id, $2 first revision (inclusive), $3 count. */
  stream: string;
  /** $1 stream id, $2 last revision (inclusive), $3 count. */
  streamBackwards: string;
  /** $1 commit (text), $2 prepare: exclusive; $3 count. */
  all: string;
  /** As `all`, with $4 the category. */
  category: string;
  /** The last settled position; no parameters. */
  head: string;
}>;

/** The read queries over `table` (a qualified, quoted name). */
export const logReadQueries = (table: string): LogReadQueries => ({
  stream: `select ${EVENT_COLUMNS} from ${table} where stream_id = $1 and stream_revision >= $2
    order by stream_revision limit $3`,
  streamBackwards: `select ${EVENT_COLUMNS} from ${table} where stream_id = $1 and stream_revision <= $2
    order by stream_revision desc limit $3`,
  all: `select ${EVENT_COLUMNS} from ${table} where (transaction_id, position) > ($1::text::xid8, $2)
    and ${SETTLED} order by transaction_id, position limit $3`,
  category: `select ${EVENT_COLUMNS} from ${table} where category = $4 and (transaction_id, position) > ($1::text::xid8, $2)
    and ${SETTLED} order by transaction_id, position limit $3`,
  head: `select transaction_id::text as commit, position from ${table} where ${SETTLED}
    order by transaction_id desc, position desc limit 1`,
});

const toRecorded = (row: EventRow): RecordedEvent => {
  const [
    eventId,
    streamId,
    revision,
    commit,
    position,
    type,
    data,
    metadata,
    schemaVersion,
    recordedAt,
    hash,
  ] = row;
  return {
    eventId,
    streamId,
    revision: toSafeInteger(revision, 'revision'),
    position: { commit: toSafeInteger(commit, 'commit'), prepare: toSafeInteger(position, 'position') },
    type,
    data,
    metadata,
    schemaVersion,
    recordedAt,
    hash,
  };
};

/** Runs a query selecting `EVENT_COLUMNS` and returns its events. */
export const queryEvents = async (
  db: LogSource,
  text: string,
  values: readonly unknown[],
): Promise<RecordedEvent[]> => {
  const { rows } = await db.query<EventRow>({ text, values: [...values], rowMode: 'array' });
  return rows.map(toRecorded);
};

/** Runs `LogReadQueries.head`: the position of the last settled event, START on an empty log. */
export const queryHead = async (db: LogSource, text: string): Promise<LogPosition> => {
  const { rows } = await db.query<[commit: string, position: string]>({ text, rowMode: 'array' });
  const row = rows[0];
  return row === undefined
    ? START
    : { commit: toSafeInteger(row[0], 'commit'), prepare: toSafeInteger(row[1], 'position') };
};
