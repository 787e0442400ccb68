import { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import { createKysely } from '../postgres/database.ts';
import { migrate } from '../postgres/migrate.ts';
import { comparePositions, formatPosition } from '../event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../event-store/port.ts';
import { categoryOf, isValidStreamId } from '../event-store/validation.ts';
import { readableState } from '../../domain/aggregates.ts';
import { ChainVerifier } from './chain-verifier.ts';
import type { ChainFinding } from './chain-verifier.ts';
import { CheckpointStore, exportCheckpoints, verifyCheckpoints } from './checkpoints.ts';
import type { Checkpoint, CheckpointExport, CheckpointReport } from './checkpoints.ts';
import { AuditError } from './errors.ts';
import { LogReader } from './log-reader.ts';
import type { CategorySummary, LogRange, StreamSummary } from './log-reader.ts';
import { auditMigrations } from './migrations.ts';
import type { CheckpointSigner } from './signing.ts';

/** The fold functions of an aggregate (domain/aggregates.ts), as the audit uses them. */
export type Foldable = Readonly<{
  evolve: (state: never, event: never) => unknown;
  initialState: () => unknown;
}>;

export type AuditorOptions = Readonly<{
  pool: pg.Pool;
  /** The event store's schema; the checkpoints table lives there too. */
  schema: string;
  /** Category → decider, for as-of state. */
  aggregates: Readonly<Record<string, Foldable>>;
  signer?: CheckpointSigner | null;
  /** Public keys whose checkpoints verify (the signer's own is added). */
  trustedKeys?: readonly KeyObject[];
  clock?: () => Date;
}>;

/** One stored event as auditors see it: the record with its position in wire form. */
export type AuditEvent = Omit<RecordedEvent, 'position'> & Readonly<{ position: string }>;

export type History = Readonly<{
  streamId: string;
  events: readonly AuditEvent[];
  /** The revision to ask for next, or null at the end of the stream. */
  nextRevision: number | null;
}>;

export type AsOf = Readonly<{ revision: number }> | Readonly<{ at: string }> | Readonly<{ latest: true }>;

export type StateAsOf = Readonly<{
  streamId: string;
  category: string;
  /** The last revision folded; -1 when no event is at or before the point asked for. */
  revision: number;
  recordedAt: string | null;
  eventCount: number;
  state: unknown;
}>;

export type ChainReport = Readonly<{
  ok: boolean;
  streams: number;
  events: number;
  findings: readonly ChainFinding[];
  /** More findings than `maxFindings`: the rest were counted, not listed. */
  findingCount: number;
}>;

export const toAuditEvent = (event: RecordedEvent): AuditEvent => ({
  ...event,
  position: formatPosition(event.position),
});

const HISTORY_PAGE_MAX = 10_000;
const FOLD_BATCH = 1000;

const assertStream = (streamId: string): void => {
  if (!isValidStreamId(streamId)) {
    throw new AuditError('INVALID_STREAM_ID', `"${streamId}" is not a stream id (<category>-<id>)`);
  }
};

export const migrateAudit = (pool: pg.Pool, schema: string): Promise<readonly string[]> =>
  migrate(createKysely<unknown>(pool), auditMigrations(schema));

/**
 * Everything an auditor asks of the log, behind one object that the command
 * line (scripts/audit.ts) and the HTTP routes (read-api/audit/) both call, so
 * they give the same answers.
 */
export class Auditor {
  readonly reader: LogReader;
  readonly #aggregates: Readonly<Record<string, Foldable>>;
  readonly #checkpoints: CheckpointStore;
  readonly #signer: CheckpointSigner | null;
  readonly #trusted: readonly KeyObject[];
  readonly #clock: () => Date;

  constructor(options: AuditorOptions) {
    this.reader = new LogReader(options.pool, options.schema);
    this.#aggregates = options.aggregates;
    this.#checkpoints = new CheckpointStore(options.pool, options.schema);
    this.#signer = options.signer ?? null;
    const trusted = options.trustedKeys ?? [];
    this.#trusted = this.#signer === null ? trusted : [this.#signer.publicKey, ...trusted];
    this.#clock = options.clock ?? (() => new Date());
  }

  get canSign(): boolean {
    return this.#signer !== null;
  }

  categories(): Promise<readonly CategorySummary[]> {
    return this.reader.categories();
  }

  streams(
    options: Readonly<{
      category?: string | undefined;
      after?: string | undefined;
      limit?: number | undefined;
    }>,
  ): Promise<readonly StreamSummary[]> {
    if (options.category !== undefined && !/^[a-z][a-zA-Z0-9]{0,39}$/.test(options.category)) {
      throw new AuditError('INVALID_CATEGORY', `"${options.category}" is not a category`);
    }
    return this.reader.streams({ ...options, limit: options.limit ?? 100 });
  }

  /** Events of one stream with their metadata, in revision order, one page at a time. */
  async history(
    streamId: string,
    options: Readonly<{ fromRevision?: number | undefined; limit?: number | undefined }> = {},
  ): Promise<History> {
    assertStream(streamId);
    const from = options.fromRevision ?? 0;
    const limit = options.limit ?? HISTORY_PAGE_MAX;
    if (
      !Number.isSafeInteger(from) ||
      from < 0 ||
      !Number.isSafeInteger(limit) ||
      limit < 1 ||
      limit > HISTORY_PAGE_MAX
    ) {
      throw new AuditError('INVALID_RANGE', `fromRevision must be ≥ 0 and limit in 1..${HISTORY_PAGE_MAX}`);
    }
    const events = await this.reader.readStream(streamId, from, limit + 1);
    const page = events.slice(0, limit);
    const more = events.length > limit;
    return {
      streamId,
      events: page.map(toAuditEvent),
      nextRevision: more ? (page.at(-1)?.revision ?? from - 1) + 1 : null,
    };
  }

  /** Every event of one stream (all pages). */
  async fullHistory(streamId: string): Promise<History> {
    const events: AuditEvent[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const page: History = await this.history(streamId, { fromRevision: from });
      events.push(...page.events);
      from = page.nextRevision;
    }
    return { streamId, events, nextRevision: null };
  }

  /** `state`, with the state as people read it (what the CLI and HTTP answers show). */
  async readableState(streamId: string, asOf: AsOf): Promise<StateAsOf> {
    const result = await this.state(streamId, asOf);
    return { ...result, state: readableState(result.category, result.state) };
  }

  /**
   * The aggregate's state as of a revision (inclusive) or an instant
   * (events recorded at or before it), by folding the domain's own `evolve`
   * over the stored history: the same fold the command side does.
   */
  async state(streamId: string, asOf: AsOf): Promise<StateAsOf> {
    assertStream(streamId);
    const category = categoryOf(streamId);
    const aggregate = this.#aggregates[category];
    if (aggregate === undefined) {
      throw new AuditError(
        'UNKNOWN_CATEGORY',
        `no aggregate for category "${category}" (known: ${Object.keys(this.#aggregates).join(', ')})`,
      );
    }
    let atMs = Number.POSITIVE_INFINITY;
    let maxRevision = Number.MAX_SAFE_INTEGER;
    if ('revision' in asOf) {
      if (!Number.isSafeInteger(asOf.revision) || asOf.revision < 0) {
        throw new AuditError('INVALID_AS_OF', 'revision must be an integer ≥ 0');
      }
      maxRevision = asOf.revision;
    } else if ('at' in asOf) {
      atMs = Date.parse(asOf.at);
      if (Number.isNaN(atMs))
        throw new AuditError('INVALID_AS_OF', `"${asOf.at}" is not an ISO 8601 instant`);
    }
    const evolve = aggregate.evolve as (state: unknown, event: unknown) => unknown;
    let state = aggregate.initialState();
    let revision = -1;
    let recordedAt: string | null = null;
    let eventCount = 0;
    for (;;) {
      const batch = await this.reader.readStream(streamId, revision + 1, FOLD_BATCH);
      for (const event of batch) {
        // A stream's state is always a prefix of its history: stop at the first event past the point.
        if (event.revision > maxRevision || Date.parse(event.recordedAt) > atMs) {
          return { streamId, category, revision, recordedAt, eventCount, state };
        }
        try {
          state = evolve(state, { type: event.type, data: event.data });
        } catch (error) {
          throw new AuditError(
            'FOLD_FAILED',
            `evolve refused ${streamId} revision ${event.revision} (${event.type}): ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        revision = event.revision;
        recordedAt = event.recordedAt;
        eventCount += 1;
      }
      if (batch.length < FOLD_BATCH) return { streamId, category, revision, recordedAt, eventCount, state };
    }
  }

  /** Resolves a range against the log: `to` defaults to the settled head, so an export is a stable prefix. */
  async resolveRange(range: LogRange): Promise<LogRange> {
    for (const key of ['since', 'until'] as const) {
      const value = range[key];
      if (value !== undefined && Number.isNaN(Date.parse(value))) {
        throw new AuditError('INVALID_RANGE', `${key} "${value}" is not an ISO 8601 instant`);
      }
    }
    if (range.from !== undefined && range.to !== undefined && comparePositions(range.from, range.to) > 0) {
      throw new AuditError('INVALID_RANGE', 'from is after to');
    }
    const head = await this.reader.head();
    const to =
      range.to === undefined || (head !== null && comparePositions(range.to, head) > 0) ? head : range.to;
    return { ...range, to: to ?? { commit: 0, prepare: 0 } };
  }

  /** How many events an export of `range` holds. */
  count(range: LogRange): Promise<number> {
    return this.reader.count(range);
  }

  /**
   * NDJSON of the log in order, one event per line. A pull stream: the next
   * batch is read only when the consumer has taken the previous one, so
   * memory stays at one batch whatever the size of the log or the speed of
   * the reader on the other end.
   */
  exportNdjson(range: LogRange, onBatch?: (events: number) => void): Readable {
    const reader = this.reader;
    async function* chunks(): AsyncGenerator<string> {
      for await (const lines of reader.lines(range)) {
        onBatch?.(lines.length);
        yield `${lines.join('\n')}\n`;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /** Recomputes every stream's hash chain from the stored rows. */
  async verifyChains(
    options: Readonly<{ maxFindings?: number; onBatch?: (events: number) => void }> = {},
  ): Promise<ChainReport> {
    const maxFindings = options.maxFindings ?? 1000;
    const findings: ChainFinding[] = [];
    let findingCount = 0;
    const verifier = new ChainVerifier((finding) => {
      findingCount += 1;
      if (findings.length < maxFindings) findings.push(finding);
    });
    for await (const batch of this.reader.byStream()) {
      for (const event of batch) verifier.push(event);
      options.onBatch?.(batch.length);
    }
    verifier.end();
    return {
      ok: findingCount === 0,
      streams: verifier.streams,
      events: verifier.events,
      findings,
      findingCount,
    };
  }

  createCheckpoint(at?: LogPosition): Promise<Checkpoint> {
    return this.#checkpoints.create(this.reader, this.#signer, this.#clock, at);
  }

  listCheckpoints(): Promise<readonly Checkpoint[]> {
    return this.#checkpoints.list();
  }

  async exportCheckpoints(id?: number): Promise<CheckpointExport> {
    const list = id === undefined ? await this.#checkpoints.list() : [await this.#checkpoints.get(id)];
    return exportCheckpoints(list, this.#clock());
  }

  /** Verifies the stored checkpoints, or the ones given (from an exported file). */
  async verifyCheckpoints(
    given?: readonly Checkpoint[],
    extraTrustedKeys: readonly KeyObject[] = [],
  ): Promise<CheckpointReport> {
    const checkpoints = given ?? (await this.#checkpoints.list());
    return verifyCheckpoints(this.reader, checkpoints, [...this.#trusted, ...extraTrustedKeys]);
  }
}

/** Migrates the checkpoints table (idempotent) and opens an auditor. */
export const openAuditor = async (options: AuditorOptions): Promise<Auditor> => {
  await migrateAudit(options.pool, options.schema);
  return new Auditor(options);
};
