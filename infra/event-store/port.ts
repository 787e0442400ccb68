/**
 * The event store port. Adapters (Postgres now, EventStoreDB later) implement
 * `EventStore`; the contract suite in `contract.ts` is the executable spec.
 *
 * Expected outcomes (a version conflict) are results; bad input and failures
 * are exceptions with a stable `code`.
 */

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * A position in the global log. Totally ordered: compare `commit`, then
 * `prepare`. In the Postgres adapter `commit` is the appending transaction's
 * id (xid8) and `prepare` the event's sequence number; a reader only reads
 * transactions older than every running one, so no later commit can land
 * before a position already read (see docs/event-store.md).
 */
export type LogPosition = Readonly<{ commit: number; prepare: number }>;

export const START: LogPosition = { commit: 0, prepare: 0 };

export const comparePositions = (a: LogPosition, b: LogPosition): number =>
  a.commit !== b.commit ? Math.sign(a.commit - b.commit) : Math.sign(a.prepare - b.prepare);

/** The wire form used in replies, checkpoints and query strings: `"<commit>:<prepare>"`. */
export const formatPosition = (p: LogPosition): string => `${p.commit}:${p.prepare}`;

const POSITION_TEXT = /^(\d{1,16}):(\d{1,16})$/;

export const parsePosition = (text: string): LogPosition | null => {
  const match = POSITION_TEXT.exec(text);
  if (match === null) return null;
  const commit = Number(match[1]);
  const prepare = Number(match[2]);
  return Number.isSafeInteger(commit) && Number.isSafeInteger(prepare) ? { commit, prepare } : null;
};

export type EventMetadata = Readonly<{
  correlationId: string | null;
  causationId: string | null;
  commandId: string | null;
  actor: string | null;
}>;

export const EMPTY_METADATA: EventMetadata = {
  correlationId: null,
  causationId: null,
  commandId: null,
  actor: null,
};

/** An event to append. Without an `eventId` the store assigns a uuid v7. */
export type NewEvent = Readonly<{
  eventId?: string;
  type: string;
  data: JsonValue;
  metadata?: Partial<EventMetadata>;
  schemaVersion?: number;
}>;

export type RecordedEvent = Readonly<{
  eventId: string;
  streamId: string;
  /** 0-based, as in EventStoreDB. */
  revision: number;
  position: LogPosition;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  schemaVersion: number;
  /** ISO 8601, millisecond precision, set by the store's clock at append. */
  recordedAt: string;
  /** Hex SHA-256 chain value: H(previous hash ‖ revision ‖ H(canonical event)). */
  hash: string;
}>;

export type ExpectedRevision =
  | Readonly<{ kind: 'any' }>
  | Readonly<{ kind: 'noStream' }>
  | Readonly<{ kind: 'streamExists' }>
  | Readonly<{ kind: 'exact'; revision: number }>;

export const Expected = {
  any: { kind: 'any' } as ExpectedRevision,
  noStream: { kind: 'noStream' } as ExpectedRevision,
  streamExists: { kind: 'streamExists' } as ExpectedRevision,
  revision: (revision: number): ExpectedRevision => ({ kind: 'exact', revision }),
} as const;

export type AppendSuccess = Readonly<{
  ok: true;
  streamId: string;
  /** Revision of the first event written by this append (or found, when idempotent). */
  firstRevision: number;
  /** Revision of the last event: the expected revision for the next append. */
  nextExpectedRevision: number;
  /** Global position of the last event of this append. */
  position: LogPosition;
  /** True when every event was already there: a retried append, nothing written. */
  idempotent: boolean;
}>;

export type AppendConflict = Readonly<{
  ok: false;
  conflict: Readonly<{ streamId: string; expected: ExpectedRevision; actual: number | 'noStream' }>;
}>;

export type AppendResult = AppendSuccess | AppendConflict;

export type AppendOptions = Readonly<{ expectedRevision: ExpectedRevision }>;

export type ReadStreamOptions = Readonly<{
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Forwards defaults to 0, backwards to the last revision. */
  fromRevision?: number;
  maxCount?: number;
}>;

export type ReadAllOptions = Readonly<{
  /** Exclusive: read what comes after this position. Defaults to the start of the log. */
  after?: LogPosition;
  maxCount?: number;
}>;

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]>;
  /** The next batch of the global log, in order; only events no later commit can precede. */
  readAll(options?: ReadAllOptions): Promise<readonly RecordedEvent[]>;
  /** Like readAll, restricted to streams `<category>-*`. */
  readCategory(category: string, options?: ReadAllOptions): Promise<readonly RecordedEvent[]>;
  /** Position of the last readable event (START on an empty log). */
  headPosition(): Promise<LogPosition>;
  /** Resolves when new events may have been appended, or after `timeoutMs`. */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Every error the store throws for bad input or misuse, with a stable code. */
export type EventStoreErrorCode =
  | 'INVALID_STREAM_ID'
  | 'INVALID_CATEGORY'
  | 'EMPTY_APPEND'
  | 'TOO_MANY_EVENTS'
  | 'INVALID_EVENT'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_EXPECTED_REVISION'
  | 'INVALID_READ_OPTIONS'
  | 'IDEMPOTENCY_OVERLAP'
  | 'DUPLICATE_EVENT_ID';

export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
  readonly code: EventStoreErrorCode;
  constructor(code: EventStoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
