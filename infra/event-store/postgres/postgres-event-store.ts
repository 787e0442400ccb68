import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { toSafeInteger } from '../../postgres/database.ts';
import { contentDigest } from '../canonical.ts';
import { EventStoreError, START } from '../port.ts';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  JsonValue,
  LogPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from '../port.ts';
import {
  DEFAULT_LIMITS,
  assertAfter,
  assertCategory,
  assertExpectedRevision,
  assertStreamId,
  readCount,
  validateEvents,
} from '../validation.ts';
import type { StoreLimits } from '../validation.ts';

export type PostgresEventStoreOptions = Readonly<{
  pool: pg.Pool;
  /** The Postgres schema holding the log (migrated by `eventStoreMigrations`). */
  schema: string;
  clock?: () => Date;
  limits?: Partial<StoreLimits>;
}>;

/** Anything that can run a query: the pool, or a client inside a caller's transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

type EventRow = {
  event_id: string;
  stream_id: string;
  stream_revision: string;
  commit: string;
  position: string;
  event_type: string;
  data: JsonValue;
  metadata: EventMetadata;
  schema_version: number;
  recorded_at: Date;
  hash: Buffer;
};

type AppendRow = {
  o_outcome: 'ok' | 'idempotent' | 'conflict' | 'overlap';
  o_current: string | null;
  o_first: string | null;
  o_last: string | null;
  o_commit: string | null;
  o_position: string | null;
};

const UNIQUE_VIOLATION = '23505';
// Two writers racing for the same revision: the loser re-runs the append,
// which then reports a conflict (or succeeds, for `any`). Bounded.
const MAX_RACE_RETRIES = 5;

const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  streamId: row.stream_id,
  revision: toSafeInteger(row.stream_revision, 'revision'),
  position: { commit: toSafeInteger(row.commit, 'commit'), prepare: toSafeInteger(row.position, 'position') },
  type: row.event_type,
  data: row.data,
  metadata: row.metadata,
  schemaVersion: row.schema_version,
  recordedAt: row.recorded_at.toISOString(),
  hash: row.hash.toString('hex'),
});

const isUniqueViolation = (error: unknown): error is pg.DatabaseError =>
  error instanceof Error && (error as Partial<pg.DatabaseError>).code === UNIQUE_VIOLATION;

const EXPECTED_KIND: Record<ExpectedRevision['kind'], string> = {
  any: 'any',
  noStream: 'noStream',
  streamExists: 'streamExists',
  exact: 'exact',
};

export class PostgresEventStore implements EventStore {
  readonly #pool: pg.Pool;
  readonly #clock: () => Date;
  readonly #limits: StoreLimits;
  readonly #appended = new EventEmitter();
  readonly #sql: Readonly<
    Record<'append' | 'stream' | 'streamBackwards' | 'all' | 'category' | 'head', string>
  >;

  constructor(options: PostgresEventStoreOptions) {
    this.#pool = options.pool;
    this.#clock = options.clock ?? (() => new Date());
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#appended.setMaxListeners(0);
    const t = `"${options.schema}".events`;
    const columns = `event_id, stream_id, stream_revision, transaction_id::text as commit, position, event_type,
      data, metadata, schema_version, recorded_at, hash`;
    // Only transactions older than every running one: nothing can commit before them any more.
    const settled = `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
    this.#sql = {
      append: `select * from "${options.schema}".append_events($1, $2, $3, $4, $5)`,
      stream: `select ${columns} from ${t} where stream_id = $1 and stream_revision >= $2 order by stream_revision limit $3`,
      streamBackwards: `select ${columns} from ${t} where stream_id = $1 and stream_revision <= $2 order by stream_revision desc limit $3`,
      all: `select ${columns} from ${t} where (transaction_id, position) > ($1::text::xid8, $2) and ${settled}
            order by transaction_id, position limit $3`,
      category: `select ${columns} from ${t} where category = $4 and (transaction_id, position) > ($1::text::xid8, $2)
            and ${settled} order by transaction_id, position limit $3`,
      head: `select transaction_id::text as commit, position from ${t} where ${settled}
            order by transaction_id desc, position desc limit 1`,
    };
  }

  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.appendWith(this.#pool, streamId, events, options);
  }

  /**
   * Appends through `db`, which may be a client inside the caller's
   * transaction (to record something atomically with the events). Then the
   * caller owns the commit, and a unique-key race surfaces as the database
   * error instead of being retried here.
   */
  async appendWith(
    db: Queryable,
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    assertStreamId(streamId);
    const expected = assertExpectedRevision(options.expectedRevision);
    const valid = validateEvents(events, this.#limits);
    const recordedAt = this.#clock().toISOString();
    const payload = JSON.stringify(
      valid.map((event) => ({
        ...event,
        digest: contentDigest({ ...event, streamId, recordedAt }).toString('hex'),
      })),
    );
    const params = [
      streamId,
      EXPECTED_KIND[expected.kind],
      expected.kind === 'exact' ? expected.revision : null,
      recordedAt,
      payload,
    ];
    const retries = db === this.#pool ? MAX_RACE_RETRIES : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const { rows } = await db.query<AppendRow>(this.#sql.append, params);
        const result = this.#interpret(streamId, expected, rows[0]);
        if (result.ok && !result.idempotent && db === this.#pool) this.#appended.emit('append');
        return result;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (error.constraint === 'events_event_id_key' && attempt >= retries) {
          throw new EventStoreError(
            'DUPLICATE_EVENT_ID',
            `an event id of this append is already stored in another stream`,
          );
        }
        if (attempt >= retries) throw error;
      }
    }
  }

  /** Lets same-process readers know right away; other processes poll (see waitForAppend). */
  notifyAppended(): void {
    this.#appended.emit('append');
  }

  #interpret(streamId: string, expected: ExpectedRevision, row: AppendRow | undefined): AppendResult {
    if (row === undefined) throw new Error('append_events returned no row');
    const int = (value: string | null, what: string): number => {
      if (value === null) throw new Error(`append_events returned no ${what}`);
      return toSafeInteger(value, what);
    };
    switch (row.o_outcome) {
      case 'ok':
      case 'idempotent':
        return {
          ok: true,
          streamId,
          firstRevision: int(row.o_first, 'first revision'),
          nextExpectedRevision: int(row.o_last, 'last revision'),
          position: { commit: int(row.o_commit, 'commit'), prepare: int(row.o_position, 'position') },
          idempotent: row.o_outcome === 'idempotent',
        };
      case 'conflict': {
        const current = int(row.o_current, 'current revision');
        return { ok: false, conflict: { streamId, expected, actual: current < 0 ? 'noStream' : current } };
      }
      case 'overlap':
        throw new EventStoreError(
          'IDEMPOTENCY_OVERLAP',
          `some of these event ids are already stored, but not as this same batch at one place in ${streamId}`,
        );
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<readonly RecordedEvent[]> {
    assertStreamId(streamId);
    const count = readCount(options.maxCount, this.#limits, this.#limits.maxReadCount);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new EventStoreError('INVALID_READ_OPTIONS', 'fromRevision must be an integer ≥ 0');
    }
    const { rows } = await this.#pool.query<EventRow>(
      backwards ? this.#sql.streamBackwards : this.#sql.stream,
      [streamId, from, count],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<readonly RecordedEvent[]> {
    assertAfter(options);
    const after = options.after ?? START;
    const count = readCount(options.maxCount, this.#limits, 1000);
    const { rows } = await this.#pool.query<EventRow>(this.#sql.all, [
      String(after.commit),
      after.prepare,
      count,
    ]);
    return rows.map(toRecorded);
  }

  async readCategory(category: string, options: ReadAllOptions = {}): Promise<readonly RecordedEvent[]> {
    assertCategory(category);
    assertAfter(options);
    const after = options.after ?? START;
    const count = readCount(options.maxCount, this.#limits, 1000);
    const { rows } = await this.#pool.query<EventRow>(this.#sql.category, [
      String(after.commit),
      after.prepare,
      count,
      category,
    ]);
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<LogPosition> {
    const { rows } = await this.#pool.query<{ commit: string; position: string }>(this.#sql.head);
    const row = rows[0];
    return row === undefined
      ? START
      : { commit: toSafeInteger(row.commit, 'commit'), prepare: toSafeInteger(row.position, 'position') };
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#appended.off('append', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#appended.once('append', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  close(): Promise<void> {
    this.#appended.removeAllListeners();
    return Promise.resolve();
  }
}
