import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { namedStatement, toSafeInteger } from '../../postgres/database.ts';
import { canonicalContentDigestHex } from '../canonical.ts';
import { EventStoreError, START } from '../port.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
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
import type { StoreLimits, ValidEvent } from '../validation.ts';
import { logReadQueries, queryEvents, queryHead } from './log-reads.ts';

export type PostgresEventStoreOptions = Readonly<{
  pool: pg.Pool;
  /** The Postgres schema holding the log (migrated by `eventStoreMigrations`). */
  schema: string;
  clock?: () => Date;
  limits?: Partial<StoreLimits>;
  /** Group commit of `append` (see there); `false` gives each append its own transaction. */
  groupCommit?: Partial<GroupCommitOptions> | false;
}>;

/** Anything that can run a query: the pool, or a client inside a caller's transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

type AppendRow = {
  o_outcome: 'ok' | 'idempotent' | 'conflict' | 'overlap';
  o_current: string | null;
  o_first: string | null;
  o_last: string | null;
  o_commit: string | null;
  o_position: string | null;
};

const UNIQUE_VIOLATION = '23505';
const EVENT_ID_KEY = 'events_event_id_key';
// Two writers racing for the same revision: the loser re-runs the append,
// which then reports a conflict (or succeeds, for `any`). Bounded.
const MAX_RACE_RETRIES = 5;

const isUniqueViolation = (error: unknown): error is pg.DatabaseError =>
  error instanceof Error && (error as Partial<pg.DatabaseError>).code === UNIQUE_VIOLATION;

type PreparedAppend = Readonly<{
  streamId: string;
  expected: ExpectedRevision;
  recordedAt: string;
  events: readonly ValidEvent[];
  /** Each event's content digest in hex, in order. */
  digests: readonly string[];
  /** Bytes of data and metadata: what a group's size limit counts. */
  bytes: number;
}>;

type QueuedAppend = Readonly<{
  prepared: PreparedAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}>;

type GroupRow = AppendRow & { o_index: number };

export type GroupCommitOptions = Readonly<{
  /** Group transactions in flight at once; appends beyond them queue and join the next group. */
  writers: number;
  /**
   * Appends that must be waiting before a group starts while another is in flight (the first always
   * starts at once). A transaction costs Postgres a fixed part besides its rows, so two small groups
   * side by side cost more than one twice their size that waited a little; a deep queue still gets
   * every writer.
   */
  parallelBatch: number;
  /** Appends per group at most. */
  maxAppends: number;
  /** Bytes of events per group at most (a single larger append still goes, alone). */
  maxBytes: number;
}>;

// Two writers: one group executes while the other commits. More make smaller groups, and a group's
// fixed cost then outweighs the overlap (append bench, 32 appenders: 2 → 5,100–5,200/s, 4 → 4,500–4,700/s).
// A second group only once 16 appends wait: append-batch 27,000–28,500 → 32,600–38,800 events/s,
// Postgres CPU per event 31–33 → 22–27 µs (docs/benchmarks.md).
export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = {
  writers: 2,
  parallelBatch: 16,
  maxAppends: 100,
  maxBytes: 1_000_000,
};

/** Row of the append functions for one append (numbers or their text). */
export type GroupAppendRow = Readonly<{
  o_outcome: 'ok' | 'idempotent' | 'conflict' | 'overlap';
  o_current: string | number | null;
  o_first: string | number | null;
  o_last: string | number | null;
  o_commit: string | number | null;
  o_position: string | number | null;
}>;

export type GroupAppend = Readonly<{
  /**
   * The group function's call, its arguments numbered from `$first` on (as many as `values`), for
   * a statement that puts its own parameters elsewhere: `select * from ${call(n)}` returns one row
   * per append with its `o_index`.
   */
  call: (first: number) => string;
  values: readonly unknown[];
  eventsTable: string;
  interpret: (index: number, row: GroupAppendRow | undefined) => AppendResult;
}>;

const ARGUMENT_TYPES = [
  'text[]',
  'text[]',
  'bigint[]',
  'int[]',
  'timestamptz[]',
  'uuid[]',
  'text[]',
  'smallint[]',
  'bytea',
  'json',
  'json',
] as const;

/**
 * `<schema>.<fn>($first::text[], …)`: the call with its arguments from `$first` on. Both functions
 * take the same columns and give the same rows: `append_events_arrays` for an append alone (it looks
 * up every event id first, and tells a retried append from an overlap), `append_events_columns` for a
 * group (it looks ids up only for an append whose expectation fails; any other stored id fails its
 * insert, and the store then sends the same group through `append_events_arrays`; ADR 010).
 */
const appendCall =
  (schema: string, fn: 'append_events_arrays' | 'append_events_columns') =>
  (first: number): string =>
    `"${schema}".${fn}(${ARGUMENT_TYPES.map((type, i) => `$${String(first + i)}::${type}`).join(', ')})`;

/** A Postgres array literal of elements already printed (quoted where they are text). */
const arrayLiteral = (elements: readonly string[]): string => `{${elements.join(',')}}`;

/** An element of a text array literal; what validation lets through needs no escape, anything else gets one. */
const quoted = (text: string): string =>
  text.includes('"') || text.includes('\\') ? `"${text.replaceAll(/["\\]/g, '\\$&')}"` : `"${text}"`;

/**
 * The arguments of the append functions, column by column: per append, then per event. Data and
 * metadata travel as two JSON arrays of the texts validation printed, spliced, not printed again.
 */
const groupColumns = (prepared: readonly PreparedAppend[]): unknown[] => {
  const events = prepared.flatMap((p) => p.events);
  // Array literals printed here rather than by `pg` (which quotes and escapes each element with two
  // regular expressions): stream ids, types, expectation kinds and times never hold `"` or `\`.
  return [
    arrayLiteral(prepared.map((p) => quoted(p.streamId))),
    // The append functions take the port's own names of the expectations.
    arrayLiteral(prepared.map((p) => quoted(p.expected.kind))),
    arrayLiteral(prepared.map((p) => (p.expected.kind === 'exact' ? String(p.expected.revision) : 'NULL'))),
    arrayLiteral(prepared.map((p) => String(p.events.length))),
    arrayLiteral(prepared.map((p) => quoted(p.recordedAt))),
    arrayLiteral(events.map((event) => event.eventId)),
    arrayLiteral(events.map((event) => quoted(event.type))),
    arrayLiteral(events.map((event) => String(event.schemaVersion))),
    `\\x${prepared.map((p) => p.digests.join('')).join('')}`,
    `[${events.map((event) => event.dataJson).join(',')}]`,
    `[${events.map((event) => event.metadataJson).join(',')}]`,
  ];
};

export class PostgresEventStore implements EventStore {
  readonly #pool: pg.Pool;
  readonly #clock: () => Date;
  readonly #limits: StoreLimits;
  readonly #appended = new EventEmitter();
  readonly #group: GroupCommitOptions | null;
  readonly #queue: QueuedAppend[] = [];
  #inFlight = 0;
  readonly #eventsTable: string;
  readonly #groupCall: (first: number) => string;
  readonly #sql: Readonly<
    Record<'stream' | 'streamBackwards' | 'all' | 'category' | 'head' | 'revisions', string>
  >;
  /** Named: each connection parses and plans the calls once, not on every append. */
  readonly #appendStatement: Readonly<{ name: string; text: string }>;
  readonly #groupStatement: Readonly<{ name: string; text: string }>;

  constructor(options: PostgresEventStoreOptions) {
    this.#pool = options.pool;
    this.#clock = options.clock ?? (() => new Date());
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#appended.setMaxListeners(0);
    this.#group = options.groupCommit === false ? null : { ...DEFAULT_GROUP_COMMIT, ...options.groupCommit };
    const t = `"${options.schema}".events`;
    this.#eventsTable = t;
    this.#groupCall = appendCall(options.schema, 'append_events_columns');
    this.#appendStatement = namedStatement(
      'append',
      `select * from ${appendCall(options.schema, 'append_events_arrays')(1)}`,
    );
    this.#groupStatement = namedStatement('append_group', `select * from ${this.#groupCall(1)}`);
    this.#sql = {
      ...logReadQueries(t),
      revisions: `select stream_id, max(stream_revision)::text as revision from ${t}
            where stream_id = any($1::text[]) group by stream_id`,
    };
  }

  /**
   * Appends through the pool. While `groupCommit.writers` appends are in
   * flight, the next ones queue and go together, in one transaction and one
   * round trip (group commit, as EventStoreDB does): each keeps its own
   * expectation, result and atomicity, and one that fails is retried alone.
   */
  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const prepared = this.#prepare(streamId, events, options);
    if (this.#group === null) return this.#execute(this.#pool, prepared);
    return new Promise((resolve, reject) => {
      this.#queue.push({ prepared, resolve, reject });
      this.#pump();
    });
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
    return this.#execute(db, this.#prepare(streamId, events, options));
  }

  /**
   * For a caller that appends to several streams inside a statement of its
   * own (say, together with rows of another table, in one round trip): the
   * group function's call, its one argument, the events table, and how to
   * read the function's row for each append.
   */
  prepareGroupAppend(
    appends: readonly Readonly<{ streamId: string; events: readonly NewEvent[]; options: AppendOptions }>[],
  ): GroupAppend {
    const prepared = appends.map((a) => this.#prepare(a.streamId, a.events, a.options));
    return {
      call: this.#groupCall,
      values: groupColumns(prepared),
      eventsTable: this.#eventsTable,
      interpret: (index, row) => {
        const p = prepared[index];
        if (p === undefined) throw new Error(`no append at index ${String(index)}`);
        return this.#interpret(p.streamId, p.expected, row);
      },
    };
  }

  /** The last revision of each stream, through `db` (-1 for a stream that does not exist). */
  async currentRevisions(db: Queryable, streamIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const { rows } = await db.query<{ stream_id: string; revision: string }>(this.#sql.revisions, [
      streamIds,
    ]);
    const revisions = new Map<string, number>(streamIds.map((id) => [id, -1]));
    for (const row of rows) revisions.set(row.stream_id, toSafeInteger(row.revision, 'revision'));
    return revisions;
  }

  #prepare(streamId: string, events: readonly NewEvent[], options: AppendOptions): PreparedAppend {
    assertStreamId(streamId);
    const expected = assertExpectedRevision(options.expectedRevision);
    const valid = validateEvents(events, this.#limits);
    const recordedAt = this.#clock().toISOString();
    let bytes = 0;
    const digests = valid.map((event) => {
      bytes += event.dataJson.length + event.metadataJson.length;
      return canonicalContentDigestHex({ ...event, streamId, recordedAt });
    });
    return { streamId, expected, recordedAt, events: valid, digests, bytes };
  }

  /** One append alone: a group of one. */
  async #execute(db: Queryable, append: PreparedAppend): Promise<AppendResult> {
    const { streamId, expected } = append;
    const params = groupColumns([append]);
    const retries = db === this.#pool ? MAX_RACE_RETRIES : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const { rows } = await db.query<GroupRow>({ ...this.#appendStatement, values: params });
        const result = this.#interpret(streamId, expected, rows[0]);
        if (result.ok && !result.idempotent && db === this.#pool) this.#appended.emit('append');
        return result;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (error.constraint === EVENT_ID_KEY && attempt >= retries) {
          throw new EventStoreError(
            'DUPLICATE_EVENT_ID',
            `an event id of this append is already stored in another stream`,
          );
        }
        if (attempt >= retries) throw error;
      }
    }
  }

  /** Starts groups while fewer than `writers` are in flight, a second one only behind a deep enough queue. */
  #pump(): void {
    const group = this.#group;
    if (group === null) return;
    while (
      this.#inFlight < group.writers &&
      this.#queue.length > 0 &&
      (this.#inFlight === 0 || this.#queue.length >= group.parallelBatch)
    ) {
      let bytes = 0;
      let count = 0;
      while (
        count < this.#queue.length &&
        count < group.maxAppends &&
        (count === 0 || bytes + (this.#queue[count]?.prepared.bytes ?? 0) <= group.maxBytes)
      ) {
        bytes += this.#queue[count]?.prepared.bytes ?? 0;
        count += 1;
      }
      const batch = this.#queue.splice(0, count);
      this.#inFlight += 1;
      void this.#commitGroup(batch).finally(() => {
        this.#inFlight -= 1;
        // After the callers just answered have run: those that append again join this next group.
        setImmediate(() => {
          this.#pump();
        });
      });
    }
  }

  async #commitGroup(batch: readonly QueuedAppend[]): Promise<void> {
    const settle = async (item: QueuedAppend): Promise<void> => {
      await this.#execute(this.#pool, item.prepared).then(item.resolve, item.reject);
    };
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) return settle(only);
    const values = groupColumns(batch.map((item) => item.prepared));
    let rows: readonly GroupRow[];
    try {
      try {
        ({ rows } = await this.#pool.query<GroupRow>({ ...this.#groupStatement, values }));
      } catch (error) {
        // An event id of the group is stored: a retried append, or an overlap. The whole group again,
        // through the function that tells them apart, still in one transaction.
        if (!isUniqueViolation(error) || error.constraint !== EVENT_ID_KEY) throw error;
        ({ rows } = await this.#pool.query<GroupRow>({ ...this.#appendStatement, values }));
      }
    } catch {
      // The whole group rolled back (a race on a stream, a duplicate event id, a lost connection):
      // each append alone, so that what failed is reported to its own caller only.
      await Promise.all(batch.map(settle));
      return;
    }
    let appended = false;
    for (const [index, item] of batch.entries()) {
      try {
        const result = this.#interpret(
          item.prepared.streamId,
          item.prepared.expected,
          rows.find((row) => row.o_index === index),
        );
        appended ||= result.ok && !result.idempotent;
        item.resolve(result);
      } catch (error) {
        item.reject(error as Error);
      }
    }
    if (appended) this.#appended.emit('append');
  }

  /** Lets same-process readers know right away; other processes poll (see waitForAppend). */
  notifyAppended(): void {
    this.#appended.emit('append');
  }

  #interpret(streamId: string, expected: ExpectedRevision, row: GroupAppendRow | undefined): AppendResult {
    if (row === undefined) throw new Error('the append function returned no row');
    const int = (value: string | number | null, what: string): number => {
      if (value === null) throw new Error(`the append function returned no ${what}`);
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
    return queryEvents(this.#pool, backwards ? this.#sql.streamBackwards : this.#sql.stream, [
      streamId,
      from,
      count,
    ]);
  }

  async readAll(options: ReadAllOptions = {}): Promise<readonly RecordedEvent[]> {
    assertAfter(options);
    const after = options.after ?? START;
    const count = readCount(options.maxCount, this.#limits, 1000);
    return queryEvents(this.#pool, this.#sql.all, [String(after.commit), after.prepare, count]);
  }

  async readCategory(category: string, options: ReadAllOptions = {}): Promise<readonly RecordedEvent[]> {
    assertCategory(category);
    assertAfter(options);
    const after = options.after ?? START;
    const count = readCount(options.maxCount, this.#limits, 1000);
    return queryEvents(this.#pool, this.#sql.category, [
      String(after.commit),
      after.prepare,
      count,
      category,
    ]);
  }

  headPosition(): Promise<LogPosition> {
    return queryHead(this.#pool, this.#sql.head);
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
