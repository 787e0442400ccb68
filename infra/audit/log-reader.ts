import type pg from 'pg';
import { EVENT_COLUMNS, queryEvents } from '../event-store/postgres/log-reads.ts';
import { toSafeInteger } from '../postgres/database.ts';
import type { LogPosition, RecordedEvent } from '../event-store/port.ts';

/** A slice of the global log: positions inclusive at both ends, times as [since, until). */
export type LogRange = Readonly<{
  from?: LogPosition | undefined;
  to?: LogPosition | undefined;
  since?: string | undefined;
  until?: string | undefined;
}>;

export type StreamSummary = Readonly<{
  streamId: string;
  category: string;
  events: number;
  lastRevision: number;
  lastRecordedAt: string;
}>;

export type CategorySummary = Readonly<{ category: string; streams: number; events: number }>;

/** Where a keyset scan goes on from: the last position of a page, its commit as text. */
type ScanPosition = Readonly<{ commit: string; prepare: number }>;

/** One page of a scan: what it yields, and the position of its last row. */
type Page<T> = Readonly<{ items: readonly T[]; last: ScanPosition | undefined }>;

type LineRow = { commit: string; position: string; line: string };

const LINE_COLUMNS = `transaction_id::text as commit, position,
  json_build_object('eventId', event_id, 'streamId', stream_id, 'revision', stream_revision,
    'position', transaction_id::text || ':' || position, 'type', event_type, 'data', data, 'metadata', metadata,
    'schemaVersion', schema_version,
    'recordedAt', to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'hash', encode(hash, 'hex'))::text as line`;

export const DEFAULT_BATCH = 2000;

/**
 * Reads the stored rows as they are, straight from the Postgres log (the
 * audit needs the hash column and every row, not only what the port shows).
 * Every scan is keyset-paginated on an index: each query is short, and
 * memory holds one batch whatever the size of the log.
 */
export class LogReader {
  readonly #pool: pg.Pool;
  readonly #table: string;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#table = `"${schema}".events`;
  }

  get pool(): pg.Pool {
    return this.#pool;
  }

  /** One stream, from an inclusive revision, in revision order. */
  async readStream(streamId: string, fromRevision: number, limit: number): Promise<readonly RecordedEvent[]> {
    return queryEvents(
      this.#pool,
      `select ${EVENT_COLUMNS} from ${this.#table} where stream_id = $1 and stream_revision >= $2
        order by stream_revision limit $3`,
      [streamId, fromRevision, limit],
    );
  }

  /** The whole log grouped by stream, each in revision order: what the hash chains are checked on. */
  async *byStream(batchSize = DEFAULT_BATCH): AsyncGenerator<readonly RecordedEvent[]> {
    let after: Readonly<{ streamId: string; revision: number }> | null = null;
    for (;;) {
      const events: readonly RecordedEvent[] =
        after === null
          ? await queryEvents(
              this.#pool,
              `select ${EVENT_COLUMNS} from ${this.#table} order by stream_id, stream_revision limit $1`,
              [batchSize],
            )
          : await queryEvents(
              this.#pool,
              `select ${EVENT_COLUMNS} from ${this.#table} where (stream_id, stream_revision) > ($2, $3)
                order by stream_id, stream_revision limit $1`,
              [batchSize, after.streamId, after.revision],
            );
      const last = events.at(-1);
      if (last === undefined) return;
      yield events;
      if (events.length < batchSize) return;
      after = { streamId: last.streamId, revision: last.revision };
    }
  }

  /** The global log in order, restricted to `range`. */
  byPosition(range: LogRange, batchSize = DEFAULT_BATCH): AsyncGenerator<readonly RecordedEvent[]> {
    return this.#scan(range, batchSize, EVENT_COLUMNS, async (text, values) => {
      const events = await queryEvents(this.#pool, text, values);
      const last = events.at(-1)?.position;
      return { items: events, last: last && { commit: String(last.commit), prepare: last.prepare } };
    });
  }

  /**
   * The same events as `byPosition`, each already one line of NDJSON, built
   * by Postgres (the jsonb is written out as stored, never parsed in Node):
   * about twice the speed of parse-then-stringify. Keys and values are those
   * of `AuditEvent`; only the white space differs.
   */
  lines(range: LogRange, batchSize = DEFAULT_BATCH): AsyncGenerator<readonly string[]> {
    return this.#scan(range, batchSize, LINE_COLUMNS, async (text, values) => {
      const { rows } = await this.#pool.query<LineRow>(text, [...values]);
      const last = rows.at(-1);
      return {
        items: rows.map((row) => row.line),
        last: last && { commit: last.commit, prepare: toSafeInteger(last.position, 'position') },
      };
    });
  }

  async *#scan<T>(
    range: LogRange,
    batchSize: number,
    columns: string,
    page: (text: string, values: readonly unknown[]) => Promise<Page<T>>,
  ): AsyncGenerator<readonly T[]> {
    const filters: string[] = ['(transaction_id, position) > ($2::text::xid8, $3)'];
    const params: unknown[] = [batchSize, '0', 0];
    if (range.to !== undefined) {
      params.push(String(range.to.commit), range.to.prepare);
      filters.push(`(transaction_id, position) <= ($${params.length - 1}::text::xid8, $${params.length})`);
    }
    if (range.since !== undefined) {
      params.push(range.since);
      filters.push(`recorded_at >= $${params.length}`);
    }
    if (range.until !== undefined) {
      params.push(range.until);
      filters.push(`recorded_at < $${params.length}`);
    }
    const text = `select ${columns} from ${this.#table} where ${filters.join(' and ')}
      order by transaction_id, position limit $1`;
    const fetch = (after: ScanPosition): Promise<Page<T>> =>
      page(text, [params[0], after.commit, after.prepare, ...params.slice(3)]);
    // Inclusive `from`: start just before it (positions are integer pairs).
    const start: ScanPosition =
      range.from === undefined
        ? { commit: '0', prepare: 0 }
        : { commit: String(range.from.commit), prepare: range.from.prepare - 1 };
    // One batch read ahead while the consumer handles the current one: two batches in memory at most.
    let pending: Promise<Page<T>> = fetch(start);
    for (;;) {
      const { items, last } = await pending;
      if (last === undefined) return;
      pending = items.length < batchSize ? Promise.resolve({ items: [], last: undefined }) : fetch(last);
      // Read ahead for a consumer that may stop early: never an unhandled rejection.
      pending.catch(() => undefined);
      yield items;
    }
  }

  /** How many events `byPosition(range)` yields (for a progress bar). */
  async count(range: LogRange): Promise<number> {
    const filters: string[] = ['true'];
    const params: unknown[] = [];
    if (range.from !== undefined) {
      params.push(String(range.from.commit), range.from.prepare);
      filters.push(`(transaction_id, position) >= ($1::text::xid8, $2)`);
    }
    if (range.to !== undefined) {
      params.push(String(range.to.commit), range.to.prepare);
      filters.push(`(transaction_id, position) <= ($${params.length - 1}::text::xid8, $${params.length})`);
    }
    if (range.since !== undefined) {
      params.push(range.since);
      filters.push(`recorded_at >= $${params.length}`);
    }
    if (range.until !== undefined) {
      params.push(range.until);
      filters.push(`recorded_at < $${params.length}`);
    }
    const { rows } = await this.#pool.query<{ n: string }>(
      `select count(*)::text as n from ${this.#table} where ${filters.join(' and ')}`,
      params,
    );
    return toSafeInteger(rows[0]?.n ?? '0', 'count');
  }

  /** The last position no later commit can precede (the store's settled horizon). */
  async head(): Promise<LogPosition | null> {
    const { rows } = await this.#pool.query<{ commit: string; position: string }>(
      `select transaction_id::text as commit, position from ${this.#table}
        where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        order by transaction_id desc, position desc limit 1`,
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { commit: toSafeInteger(row.commit, 'commit'), prepare: toSafeInteger(row.position, 'position') };
  }

  async categories(): Promise<readonly CategorySummary[]> {
    const { rows } = await this.#pool.query<{ category: string; streams: string; events: string }>(
      // A stream is counted by its first event: one pass, no sort (count distinct would sort the log).
      `select category, (count(*) filter (where stream_revision = 0))::text as streams, count(*)::text as events
         from ${this.#table} group by category order by category`,
    );
    return rows.map((row) => ({
      category: row.category,
      streams: toSafeInteger(row.streams, 'streams'),
      events: toSafeInteger(row.events, 'events'),
    }));
  }

  /** Streams in id order after `after`, optionally of one category. */
  async streams(
    options: Readonly<{ category?: string | undefined; after?: string | undefined; limit: number }>,
  ): Promise<readonly StreamSummary[]> {
    const params: unknown[] = [options.limit, options.after ?? ''];
    let category = '';
    if (options.category !== undefined) {
      params.push(options.category);
      category = `and category = $3`;
    }
    const { rows } = await this.#pool.query<{
      stream_id: string;
      category: string;
      events: string;
      last_revision: string;
      last_recorded_at: Date;
    }>(
      `select stream_id, min(category) as category, count(*)::text as events,
              max(stream_revision)::text as last_revision, max(recorded_at) as last_recorded_at
         from ${this.#table} where stream_id > $2 ${category}
        group by stream_id order by stream_id limit $1`,
      params,
    );
    return rows.map((row) => ({
      streamId: row.stream_id,
      category: row.category,
      events: toSafeInteger(row.events, 'events'),
      lastRevision: toSafeInteger(row.last_revision, 'revision'),
      lastRecordedAt: row.last_recorded_at.toISOString(),
    }));
  }
}
