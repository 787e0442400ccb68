import type pg from 'pg';
import type { Logger } from 'pino';
import { Expected, formatPosition } from '../infra/event-store/port.ts';
import type {
  AppendResult,
  EventMetadata,
  ExpectedRevision,
  JsonValue,
  NewEvent,
} from '../infra/event-store/port.ts';
import type {
  GroupAppendRow,
  PostgresEventStore,
} from '../infra/event-store/postgres/postgres-event-store.ts';
import type { CommandJournal, JournalEntry } from './journal/command-journal.ts';
import type { Aggregate } from './definition.ts';
import { refused } from './envelope.ts';
import { namedStatement } from '../infra/postgres/database.ts';
import { uuidV7 } from '../infra/uuid-v7.ts';
import type { AcceptedReply, CommandEnvelope, Reply } from './envelope.ts';
import { setTimeout as sleep } from 'node:timers/promises';

type DomainEvent = Readonly<{ type: string; data: unknown }>;
type AnyAggregate = Aggregate<unknown, DomainEvent, unknown>;

/** A validated command on its way to its stream. */
export type Submission = Readonly<{
  envelope: CommandEnvelope;
  aggregate: AnyAggregate;
  streamId: string;
  command: unknown;
  fingerprint: string;
}>;

type Pending = Submission & Readonly<{ resolve: (reply: Reply) => void }>;

type Snapshot = Readonly<{ revision: number; state: unknown }>;

export type StreamProcessorOptions = Readonly<{
  pool: pg.Pool;
  store: PostgresEventStore;
  journal: CommandJournal;
  logger: Logger;
  /** Commands decided together and appended in one transaction (group commit). */
  maxGroupSize?: number;
  /** Attempts when another process wrote the stream meanwhile. */
  maxAttempts?: number;
  /** Streams whose folded state stays cached between commands. */
  cacheSize?: number;
  /**
   * Write transactions in flight at once. Groups of different streams that
   * are ready meanwhile are written together in the next one (cross-stream
   * group commit): one commit for many streams, each keeping its own
   * expected revision and answers.
   */
  writers?: number;
  /**
   * Groups that must be waiting before a write starts while another one is in
   * flight. Each transaction costs Postgres about a millisecond of its own
   * besides its rows, so two small transactions side by side cost more CPU
   * than one twice their size that waits a little (docs/benchmarks.md,
   * command side); a deep queue still gets the writers it needs.
   */
  parallelBatch?: number;
  /** Stream groups written in one transaction at most. */
  maxBatch?: number;
  /**
   * Writes of one stream in flight at once. 1: the next group is decided once
   * the write ahead landed. 2: it is decided on the state that write will leave
   * and waits in Postgres behind it (pipelining); more would only queue there
   * too. Off by default: on the saturated benchmark machine it was within the
   * noise on command-hot (docs/benchmarks.md, command side); measure before
   * turning it on.
   */
  pipelineDepth?: number;
}>;

type WriteJob = Readonly<{
  streamId: string;
  snapshot: Snapshot;
  outcome: GroupOutcome;
  /** For a pipelined write: the id of the event the write ahead of it leaves at `snapshot.revision`. */
  chainedOn: string | null;
  done: (written: boolean) => void;
  fail: (error: unknown) => void;
}>;

type Lookup = Readonly<{
  ids: readonly string[];
  done: (found: ReadonlyMap<string, JournalEntry>) => void;
  fail: (error: unknown) => void;
}>;

/** Journal lookups in flight at once; the ids asked for meanwhile go together in the next one. */
const LOOKUP_CONCURRENCY = 2;

type Failure = Readonly<{ error: unknown }>;

/** A group's write on its way. */
type Flight = Readonly<{
  group: readonly Pending[];
  /** The stream as this write leaves it: what the group behind it is decided on. */
  leaves: Snapshot;
  /** The id of the last event it appends (null if none): the head the write behind it checks for. */
  head: string | null;
  /** True once written and answered; false when the group must be decided again; or how the store failed. */
  written: Promise<boolean | Failure>;
}>;

/**
 * Commands for one stream are queued and decided one after the other on a
 * cached state; whatever queued up meanwhile is appended together in one
 * transaction with its journal entries, each command still getting its own
 * reply. A hot SKU thus costs one commit per group, not one per command, and
 * never reloads its stream while this process is its only writer. When another
 * process wrote first, the append's expected revision fails, the cache entry is
 * dropped, and the group is decided again on the reloaded stream (bounded,
 * with jitter). Overselling is impossible either way: every append states the
 * revision its decisions were made on.
 *
 * Pipelining: while a group's write is in flight, the next group is decided on
 * the state that write will leave and sent too; Postgres holds it until the
 * write ahead commits (a lock per stream), and it goes through only if the
 * event at its expected revision is the one the write ahead appended. If the
 * write ahead failed, the pipelined group fails too, and both are decided
 * again the ordinary way, in order. Nothing is answered before it committed.
 */
export class StreamProcessor {
  readonly #options: Required<StreamProcessorOptions>;
  readonly #queues = new Map<string, Pending[]>();
  /** Per stream whose drain waits for a write in flight: wakes it when a command arrives meanwhile. */
  readonly #wakers = new Map<string, () => void>();
  readonly #cache = new Map<string, Snapshot>();
  readonly #running = new Set<Promise<void>>();
  readonly #writes: WriteJob[] = [];
  #writesInFlight = 0;
  readonly #lookups: Lookup[] = [];
  #lookupsInFlight = 0;

  constructor(options: StreamProcessorOptions) {
    this.#options = {
      maxGroupSize: 200,
      maxAttempts: 8,
      cacheSize: 20_000,
      writers: 2,
      parallelBatch: 16,
      maxBatch: 100,
      pipelineDepth: 1,
      ...options,
    };
  }

  submit(submission: Submission): Promise<Reply> {
    return new Promise((resolve) => {
      const queue = this.#queues.get(submission.streamId);
      if (queue !== undefined) {
        queue.push({ ...submission, resolve });
        this.#wakers.get(submission.streamId)?.();
        return;
      }
      this.#queues.set(submission.streamId, [{ ...submission, resolve }]);
      const run = this.#drain(submission.streamId).finally(() => this.#running.delete(run));
      this.#running.add(run);
    });
  }

  /** Resolves once every submitted command has its reply. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  async #drain(streamId: string): Promise<void> {
    const flights: Flight[] = [];
    for (;;) {
      const queue = this.#queues.get(streamId) ?? [];
      const ahead = flights.at(-1);
      if (queue.length === 0 && ahead === undefined) {
        this.#queues.delete(streamId);
        return;
      }
      if (ahead !== undefined && !this.#canPipeline(flights)) {
        await this.#landFirst(streamId, flights);
        continue;
      }
      if (ahead !== undefined && queue.length < ahead.group.length) {
        // Commands trickle in: a pipelined group of one or two would cost a statement each. It
        // goes once as many are queued as the write ahead carries, or when that write lands.
        if ((await this.#nextArrivalOrLanding(streamId, flights)) === 'landed')
          await this.#landFirst(streamId, flights);
        continue;
      }
      const group = queue.splice(0, this.#options.maxGroupSize);
      if (ahead === undefined) {
        // Optimistic first attempt: a repeated command id is caught when its journal row is
        // inserted (the transaction then rolls back and nothing is written), and answered from
        // the journal on the next attempt. Fresh commands, nearly all of them, save a round trip.
        let snapshot: Snapshot;
        try {
          snapshot =
            this.#cache.get(streamId) ?? (await this.#load(streamId, (group[0] as Pending).aggregate));
        } catch (error) {
          this.#unavailable(streamId, group, error);
          continue;
        }
        flights.push(this.#fly(streamId, group, snapshot, this.#decide(streamId, snapshot, group), null));
        continue;
      }
      const outcome = this.#decide(streamId, ahead.leaves, group);
      if (outcome.events.length > 0) {
        flights.push(this.#fly(streamId, group, ahead.leaves, outcome, ahead.head));
        continue;
      }
      // A refusal or no-op stands only on the stream as committed: the writes ahead land first.
      if (await this.#landAll(streamId, flights)) {
        flights.push(this.#fly(streamId, group, ahead.leaves, outcome, null));
      } else {
        await this.#redo(streamId, group);
      }
    }
  }

  async #nextArrivalOrLanding(streamId: string, flights: readonly Flight[]): Promise<'arrived' | 'landed'> {
    const arrived = new Promise<'arrived'>((resolve) => {
      this.#wakers.set(streamId, () => {
        resolve('arrived');
      });
    });
    const landed = (flights[0] as Flight).written.then(() => 'landed' as const);
    try {
      return await Promise.race([arrived, landed]);
    } finally {
      this.#wakers.delete(streamId);
    }
  }

  /** Whether the next group may be decided on the last flight's outcome and sent behind it. */
  #canPipeline(flights: readonly Flight[]): boolean {
    return flights.length < this.#options.pipelineDepth && flights.at(-1)?.head !== null;
  }

  #fly(
    streamId: string,
    group: readonly Pending[],
    snapshot: Snapshot,
    outcome: GroupOutcome,
    chainedOn: string | null,
  ): Flight {
    return {
      group,
      leaves: { revision: snapshot.revision + outcome.events.length, state: outcome.state },
      head: outcome.events.at(-1)?.eventId ?? null,
      written: this.#write(streamId, snapshot, outcome, chainedOn).then(
        (written) => written,
        (error: unknown) => ({ error }),
      ),
    };
  }

  /** Waits for the oldest flight; if it was not written, recovers it and every flight behind it. */
  async #landFirst(streamId: string, flights: Flight[]): Promise<boolean> {
    const first = flights[0];
    if (first === undefined) return true;
    if ((await first.written) === true) {
      flights.shift();
      return true;
    }
    await this.#recover(streamId, flights.splice(0));
    return false;
  }

  /** True when every flight was written as decided. */
  async #landAll(streamId: string, flights: Flight[]): Promise<boolean> {
    while (flights.length > 0) if (!(await this.#landFirst(streamId, flights))) return false;
    return true;
  }

  /**
   * A write was not written: those behind it were decided on a state that may
   * never exist (and fail their head check), so once all have landed, each
   * group not written is decided again, in order. The cache is left as it is:
   * it holds the last state this process wrote, which a pipelined write that
   * merely reached Postgres before the write ahead of it leaves right; a
   * conflict dropped it already, and any stale state fails its append.
   */
  async #recover(streamId: string, flights: readonly Flight[]): Promise<void> {
    const results = await Promise.all(flights.map((flight) => flight.written));
    for (const [i, flight] of flights.entries()) {
      const result = results[i];
      if (result === true) continue;
      if (result === false || result === undefined) await this.#redo(streamId, flight.group);
      else this.#unavailable(streamId, flight.group, result.error);
    }
  }

  async #redo(streamId: string, group: readonly Pending[]): Promise<void> {
    try {
      await this.#process(streamId, group, 2);
    } catch (error) {
      this.#unavailable(streamId, group, error);
    }
  }

  #unavailable(streamId: string, group: readonly Pending[], error: unknown): void {
    this.#cache.delete(streamId);
    this.#options.logger.error({ err: error, streamId }, 'command group failed');
    for (const item of group)
      item.resolve(
        refused(
          item.envelope.commandId,
          'UNAVAILABLE',
          'the event store is unavailable; retry with the same command id',
        ),
      );
  }

  /** Decides and writes `group` until it is written, one attempt after the other (no pipelining). */
  async #process(streamId: string, group: readonly Pending[], firstAttempt: number): Promise<void> {
    let open = group;
    for (let attempt = firstAttempt; attempt <= this.#options.maxAttempts; attempt++) {
      if (attempt > 1) {
        await sleep(Math.random() * 2 ** (attempt - 1));
        open = await this.#answerFromJournal(open);
      }
      if (open.length === 0) return;
      const snapshot =
        this.#cache.get(streamId) ?? (await this.#load(streamId, (open[0] as Pending).aggregate));
      const outcome = this.#decide(streamId, snapshot, open);
      const written = await this.#write(streamId, snapshot, outcome, null);
      if (written) return;
      this.#cache.delete(streamId);
    }
    for (const item of open) {
      item.resolve(
        refused(
          item.envelope.commandId,
          'CONFLICT',
          `stream ${streamId} kept changing; retry with the same command id`,
        ),
      );
    }
  }

  /** Replies already given to these command ids; returns the rest. */
  async #answerFromJournal(items: readonly Pending[]): Promise<readonly Pending[]> {
    const known = await this.#findInJournal([...new Set(items.map((i) => i.envelope.commandId))]);
    return items.filter((item) => {
      const entry = known.get(item.envelope.commandId);
      if (entry === undefined) return true;
      item.resolve(
        entry.fingerprint === item.fingerprint
          ? entry.reply
          : refused(
              item.envelope.commandId,
              'COMMAND_ID_REUSED',
              'this command id was already used for a different command',
            ),
      );
      return false;
    });
  }

  async #load(streamId: string, aggregate: AnyAggregate): Promise<Snapshot> {
    const { evolve, initialState } = aggregate.decider;
    let state = initialState();
    let revision = -1;
    for (;;) {
      const events = await this.#options.store.readStream(streamId, { fromRevision: revision + 1 });
      for (const event of events) {
        state = evolve(state, { type: event.type, data: event.data });
        revision = event.revision;
      }
      if (events.length < 10_000) return { revision, state };
    }
  }

  #decide(streamId: string, snapshot: Snapshot, items: readonly Pending[]): GroupOutcome {
    const events: NewEvent[] = [];
    const answers: Answer[] = [];
    const first = new Map<string, Pending>();
    let state = snapshot.state;
    for (const item of items) {
      const { commandId } = item.envelope;
      const earlier = first.get(commandId);
      if (earlier !== undefined) {
        answers.push({ kind: 'same-as', item, of: earlier });
        continue;
      }
      first.set(commandId, item);
      const { decide, evolve } = item.aggregate.decider;
      try {
        const decision = decide(item.command, state);
        if (!decision.ok) {
          answers.push({
            kind: 'final',
            item,
            reply: refused(commandId, decision.error.code, decision.error.message),
          });
          continue;
        }
        if (decision.events.length === 0) {
          answers.push({ kind: 'noop', item });
          continue;
        }
        let next = state;
        for (const event of decision.events) next = evolve(next, event);
        const from = snapshot.revision + events.length + 1;
        for (const event of decision.events) {
          events.push({
            eventId: uuidV7(),
            type: event.type,
            data: event.data as JsonValue,
            metadata: this.#metadata(item.envelope),
          });
        }
        state = next;
        answers.push({
          kind: 'events',
          item,
          from,
          count: decision.events.length,
          index: events.length - decision.events.length,
        });
      } catch (error) {
        // A bug, not a refusal: answered, logged, and not journaled, so a fixed
        // handler gives the real answer to a retry.
        this.#options.logger.error({ err: error, commandId, streamId }, 'decider threw');
        answers.push({
          kind: 'unjournaled',
          item,
          reply: refused(commandId, 'INTERNAL_ERROR', 'the command could not be handled'),
        });
      }
    }
    return { events, answers, state };
  }

  #metadata(envelope: CommandEnvelope): EventMetadata {
    return {
      commandId: envelope.commandId,
      causationId: envelope.commandId,
      correlationId: envelope.metadata.correlationId ?? envelope.commandId,
      actor: envelope.metadata.actor,
    };
  }

  /** The journal entries of these ids, looked up together with those other streams ask for meanwhile. */
  #findInJournal(ids: readonly string[]): Promise<ReadonlyMap<string, JournalEntry>> {
    return new Promise((done, fail) => {
      this.#lookups.push({ ids, done, fail });
      this.#pumpLookups();
    });
  }

  #pumpLookups(): void {
    while (this.#lookupsInFlight < LOOKUP_CONCURRENCY && this.#lookups.length > 0) {
      const batch = this.#lookups.splice(0);
      this.#lookupsInFlight += 1;
      void this.#options.journal
        .find([...new Set(batch.flatMap((lookup) => lookup.ids))])
        .then(
          (found) => {
            for (const lookup of batch) lookup.done(found);
          },
          (error: unknown) => {
            for (const lookup of batch) lookup.fail(error);
          },
        )
        .finally(() => {
          this.#lookupsInFlight -= 1;
          this.#pumpLookups();
        });
    }
  }

  /** False when another writer got there first: the group is decided again. */
  #write(
    streamId: string,
    snapshot: Snapshot,
    outcome: GroupOutcome,
    chainedOn: string | null,
  ): Promise<boolean> {
    return new Promise((done, fail) => {
      this.#writes.push({ streamId, snapshot, outcome, chainedOn, done, fail });
      this.#pumpWrites();
    });
  }

  #pumpWrites(): void {
    while (
      this.#writesInFlight < this.#options.writers &&
      this.#writes.length > 0 &&
      (this.#writesInFlight === 0 ||
        this.#writes.length >= this.#options.parallelBatch ||
        // A pipelined write is worth sending only while the write ahead of it is in flight.
        this.#writes.some((job) => job.chainedOn !== null))
    ) {
      const batch = this.#takeBatch();
      this.#writesInFlight += 1;
      void this.#writeBatch(batch).finally(() => {
        this.#writesInFlight -= 1;
        this.#pumpWrites();
      });
    }
  }

  /**
   * The next batch: queued writes in order, at most one per stream. A
   * pipelined write must not share a statement with the write it follows: its
   * head check runs before the appends.
   */
  #takeBatch(): WriteJob[] {
    const batch: WriteJob[] = [];
    const rest: WriteJob[] = [];
    const streams = new Set<string>();
    for (const job of this.#writes) {
      if (batch.length < this.#options.maxBatch && !streams.has(job.streamId)) {
        streams.add(job.streamId);
        batch.push(job);
      } else {
        rest.push(job);
      }
    }
    this.#writes.splice(0, this.#writes.length, ...rest);
    return batch;
  }

  /**
   * The groups of several streams in ONE statement (one round trip, one
   * commit): their appends in one `append_events_group` call, each with its own
   * expected revision and result; the journal rows of every stream whose
   * append went through, and of every refusal or no-op whose stream did not
   * move since it was decided; and a check that every such row was recorded,
   * which otherwise fails the statement, so nothing of it is written. A
   * stream left out (another writer got there first) is decided again; a
   * failed statement (a race on a revision, an id recorded meanwhile, a
   * pipelined write whose write ahead did not go through) has each group
   * written on its own instead, except pipelined ones: they are decided again.
   */
  async #writeBatch(batch: readonly WriteJob[]): Promise<void> {
    const { store, journal, pool } = this.#options;
    const appending = batch.filter((job) => job.outcome.events.length > 0);
    const deciding = batch.filter((job) => job.outcome.events.length === 0);
    const chained = appending.filter((job) => job.chainedOn !== null);
    let outcome: BatchOutcome;
    try {
      const group = store.prepareGroupAppend(
        appending.map((job) => ({
          streamId: job.streamId,
          events: job.outcome.events,
          options: { expectedRevision: expectedFor(job.snapshot) },
        })),
      );
      const appendIndex = new Map(appending.map((job, i) => [job, i]));
      const entries = batch.flatMap((job) => {
        const index = appendIndex.get(job) ?? -1;
        // Position is filled in by the statement from the append's own row.
        const replies = this.#replies(job.streamId, job.snapshot, job.outcome, null);
        return this.#entries(job.streamId, job.outcome, replies).map((entry) => ({
          entry,
          index: index < 0 ? null : index,
        }));
      });
      // Only a pipelined write waits behind another one of its stream (the chain function's lock),
      // so without pipelining no batch needs the locks or the call.
      const chain = this.#options.pipelineDepth > 1 && appending.length > 0;
      const values: unknown[] = [
        // One JSON document rather than five arrays: no array literal to escape and parse.
        JSON.stringify(
          entries.map((e) => ({
            c: e.entry.commandId,
            f: e.entry.fingerprint,
            s: e.entry.streamId,
            r: e.entry.reply,
            i: e.index,
            // Only a reply with events gets the append's position; a no-op of the same group was
            // answered without one.
            p: e.index !== null && e.entry.reply.status === 'accepted' && e.entry.reply.events.length > 0,
          })),
        ),
        deciding.map((job) => job.streamId),
        deciding.map((job) => job.snapshot.revision),
      ];
      if (chain) {
        values.push(
          group.eventsTable,
          [...new Set(appending.map((job) => job.streamId))].sort(),
          chained.map((job) => job.streamId),
          chained.map((job) => job.snapshot.revision),
          chained.map((job) => job.chainedOn),
        );
      }
      // The appends' own arguments come last, numbered on from the statement's.
      const groupCall = group.call(values.length + 1);
      values.push(...group.values);
      const { rows } = await pool.query<{
        appends: (GroupAppendRow & { o_index: number })[] | null;
        unchanged: string[] | null;
      }>({
        ...batchStatement(groupCall, group.eventsTable, journal.table, chain ? journal.chainFunction : null),
        values,
      });
      const row = rows[0];
      const byIndex = new Map((row?.appends ?? []).map((r) => [r.o_index, r]));
      outcome = {
        results: appending.map((_, i) =>
          group.interpret(i, appending.length === 0 ? undefined : byIndex.get(i)),
        ),
        unchanged: new Set(row?.unchanged ?? []),
      };
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'batched write failed; writing each group alone');
      // A pipelined group alone could only check the revision, not whose event is there: decided again.
      for (const job of batch) if (job.chainedOn !== null) job.done(false);
      await Promise.all(
        batch
          .filter((job) => job.chainedOn === null)
          .map((job) => this.#writeAlone(job.streamId, job.snapshot, job.outcome).then(job.done, job.fail)),
      );
      return;
    }
    let appended = false;
    for (const [i, job] of appending.entries()) {
      const result = outcome.results[i];
      if (result?.ok !== true) {
        this.#cache.delete(job.streamId);
        job.done(false);
        continue;
      }
      appended = true;
      this.#remember(job.streamId, { revision: result.nextExpectedRevision, state: job.outcome.state });
      this.#resolve(
        job.outcome,
        this.#replies(job.streamId, job.snapshot, job.outcome, formatPosition(result.position)),
      );
      job.done(true);
    }
    for (const job of deciding) {
      if (!outcome.unchanged.has(job.streamId)) {
        this.#cache.delete(job.streamId);
        job.done(false);
        continue;
      }
      this.#remember(job.streamId, job.snapshot);
      this.#resolve(job.outcome, this.#replies(job.streamId, job.snapshot, job.outcome, null));
      job.done(true);
    }
    if (appended) store.notifyAppended();
  }

  /** False when another writer got there first: the group is decided again. */
  async #writeAlone(streamId: string, snapshot: Snapshot, outcome: GroupOutcome): Promise<boolean> {
    const { store, journal, pool } = this.#options;
    if (outcome.events.length === 0) {
      // A refusal or no-op decided on a cached state stands only if nobody wrote the stream since.
      const current = await store.currentRevisions(pool, [streamId]);
      if (current.get(streamId) !== snapshot.revision) return false;
      const replies = this.#replies(streamId, snapshot, outcome, null);
      const recorded = await journal.record(pool, this.#entries(streamId, outcome, replies));
      // Recorded meanwhile by another process: its first answer wins, found on the next attempt.
      if (
        outcome.answers.some(
          (a) => a.kind !== 'unjournaled' && a.kind !== 'same-as' && !recorded.has(a.item.envelope.commandId),
        )
      ) {
        return false;
      }
      this.#remember(streamId, snapshot);
      this.#resolve(outcome, replies);
      return true;
    }
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await store.appendWith(client, streamId, outcome.events, {
        expectedRevision: expectedFor(snapshot),
      });
      if (!result.ok) {
        await client.query('rollback');
        return false;
      }
      const replies = this.#replies(streamId, snapshot, outcome, formatPosition(result.position));
      const entries = this.#entries(streamId, outcome, replies);
      const recorded = await journal.record(client, entries);
      if (recorded.size < entries.length) {
        await client.query('rollback');
        return false;
      }
      await client.query('commit');
      store.notifyAppended();
      this.#remember(streamId, { revision: result.nextExpectedRevision, state: outcome.state });
      this.#resolve(outcome, replies);
      return true;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      // Two writers raced for the same revision inside transactions: decide again.
      if ((error as { code?: string }).code === '23505') return false;
      throw error;
    } finally {
      client.release();
    }
  }

  #replies(
    streamId: string,
    snapshot: Snapshot,
    outcome: GroupOutcome,
    position: string | null,
  ): ReadonlyMap<Answer, Reply> {
    const replies = new Map<Answer, Reply>();
    let revision = snapshot.revision;
    for (const answer of outcome.answers) {
      if (answer.kind === 'final' || answer.kind === 'unjournaled') {
        replies.set(answer, answer.reply);
      } else if (answer.kind === 'events') {
        revision = answer.from + answer.count - 1;
        const events = outcome.events.slice(answer.index, answer.index + answer.count).map((event, i) => ({
          eventId: event.eventId ?? '',
          type: event.type,
          revision: answer.from + i,
        }));
        const reply: AcceptedReply = {
          status: 'accepted',
          commandId: answer.item.envelope.commandId,
          streamId,
          revision,
          position,
          events,
        };
        replies.set(answer, reply);
      } else if (answer.kind === 'noop') {
        replies.set(answer, {
          status: 'accepted',
          commandId: answer.item.envelope.commandId,
          streamId,
          revision,
          position: null,
          events: [],
        });
      }
    }
    return replies;
  }

  #entries(streamId: string, outcome: GroupOutcome, replies: ReadonlyMap<Answer, Reply>): JournalEntry[] {
    const entries: JournalEntry[] = [];
    for (const answer of outcome.answers) {
      const reply = replies.get(answer);
      if (reply === undefined || answer.kind === 'unjournaled' || answer.kind === 'same-as') continue;
      entries.push({
        commandId: answer.item.envelope.commandId,
        fingerprint: answer.item.fingerprint,
        streamId,
        reply,
      });
    }
    return entries;
  }

  #resolve(outcome: GroupOutcome, replies: ReadonlyMap<Answer, Reply>): void {
    const byCommand = new Map<string, Reply>();
    for (const answer of outcome.answers) {
      const reply = replies.get(answer);
      if (reply === undefined) continue;
      byCommand.set(answer.item.envelope.commandId, reply);
      answer.item.resolve(reply);
    }
    for (const answer of outcome.answers) {
      if (answer.kind !== 'same-as') continue;
      const reply = byCommand.get(answer.of.envelope.commandId);
      answer.item.resolve(
        reply === undefined || answer.item.fingerprint !== answer.of.fingerprint
          ? refused(
              answer.item.envelope.commandId,
              'COMMAND_ID_REUSED',
              'this command id was already used for a different command',
            )
          : reply,
      );
    }
  }

  #remember(streamId: string, snapshot: Snapshot): void {
    // Two pipelined writes' results may be read in either order; the later revision is the state.
    if ((this.#cache.get(streamId)?.revision ?? -1) > snapshot.revision) return;
    this.#cache.delete(streamId);
    this.#cache.set(streamId, snapshot);
    if (this.#cache.size > this.#options.cacheSize) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
  }
}

type BatchOutcome = Readonly<{ results: readonly AppendResult[]; unchanged: ReadonlySet<string> }>;

/**
 * $1 the journal rows as one JSON array (command id, fingerprint, stream,
 * reply, index of their append or null, whether the reply gets the append's
 * position), $2–$3 the streams of refusals and
 * no-ops with the revision they were decided on, and, only when pipelining is
 * on (`chainFunction` given), $4–$8 for the chain function: the events table, the appended streams to lock (sorted), and the
 * pipelined streams with the revision and event id they expect as their head.
 * `groupCall` is the event store's group append with its arguments after
 * those (`prepareGroupAppend`). The appends then wait for the chain function (a one-time filter, evaluated
 * before the function scan), which divides by zero, failing the statement, if
 * a head is not the expected event. Journal rows are kept for an
 * append that went through (a reply with events gets the append's position,
 * spliced into the JSON text in place of `"position":null`) and for a
 * refusal whose stream is still at that revision. The last column divides by
 * zero unless every kept row was recorded: the statement then fails and
 * writes nothing.
 */
const batchStatementText = (
  groupCall: string,
  eventsTable: string,
  journalTable: string,
  chainFunction: string | null,
): string => `
  with appended as materialized (
    select * from ${groupCall}${
      chainFunction === null
        ? ''
        : `
     where (select 1 / (case when ${chainFunction}($4::text, $5::text[], $6::text[], $7::bigint[], $8::uuid[])
                             then 1 else 0 end)) = 1`
    }
  ),
  entries as (
    select x.c as command_id, x.f as fingerprint, x.s as stream_id, x.r as reply, x.i as append_index,
           x.p as positioned
      from json_to_recordset($1::json) as x(c text, f text, s text, r json, i int, p boolean)
  ),
  unchanged as materialized (
    select u.stream_id from unnest($2::text[], $3::bigint[]) as u(stream_id, revision)
     where coalesce((select max(ev.stream_revision) from ${eventsTable} ev where ev.stream_id = u.stream_id), -1)
           = u.revision
  ),
  kept as materialized (
    select e.command_id, e.fingerprint, e.stream_id,
           case when not e.positioned then e.reply
                else replace(e.reply::text, '"position":null',
                             '"position":"' || a.o_commit::text || ':' || a.o_position::text || '"')::json end
             as reply
      from entries e
      left join appended a on a.o_index = e.append_index
     where (e.append_index is not null and a.o_outcome = 'ok')
        or (e.append_index is null and e.stream_id in (select stream_id from unchanged))
  ),
  journaled as (
    insert into ${journalTable} (command_id, fingerprint, stream_id, reply)
    select command_id, fingerprint, stream_id, reply from kept
    on conflict (command_id) do nothing
    returning command_id
  )
  select (select json_agg(a) from appended a) as appends,
         (select array_agg(stream_id) from unchanged) as unchanged,
         1 / (case when (select count(*) from journaled) = (select count(*) from kept) then 1 else 0 end)
           as all_recorded`;

const batchStatements = new Map<string, Readonly<{ name: string; text: string }>>();

/** The statement, named (`namedStatement`): each connection parses and plans it once, not per batch. */
const batchStatement = (
  groupCall: string,
  eventsTable: string,
  journalTable: string,
  chainFunction: string | null,
): Readonly<{ name: string; text: string }> => {
  const key = `${groupCall}\n${eventsTable}\n${journalTable}\n${chainFunction ?? ''}`;
  let statement = batchStatements.get(key);
  if (statement === undefined) {
    statement = namedStatement(
      'command-batch',
      batchStatementText(groupCall, eventsTable, journalTable, chainFunction),
    );
    batchStatements.set(key, statement);
  }
  return statement;
};

const expectedFor = (snapshot: Snapshot): ExpectedRevision =>
  snapshot.revision < 0 ? Expected.noStream : Expected.revision(snapshot.revision);

type Answer =
  | Readonly<{ kind: 'events'; item: Pending; from: number; count: number; index: number }>
  | Readonly<{ kind: 'noop'; item: Pending }>
  | Readonly<{ kind: 'final'; item: Pending; reply: Reply }>
  | Readonly<{ kind: 'unjournaled'; item: Pending; reply: Reply }>
  | Readonly<{ kind: 'same-as'; item: Pending; of: Pending }>;

type GroupOutcome = Readonly<{ events: readonly NewEvent[]; answers: readonly Answer[]; state: unknown }>;
