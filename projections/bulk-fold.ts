import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { comparePositions, START } from '../infra/event-store/port.ts';
import type { RecordedEvent } from '../infra/event-store/port.ts';
import { applyEvents, writeCheckpoints } from './apply.ts';
import type { Lag, Target } from './apply.ts';
import { BufferedRows } from './buffered-rows.ts';
import { versionTables } from './read-models/tables.ts';

export type BulkFoldOptions = Readonly<{
  /** Pool-backed: each target's flush runs in a transaction of its own, on a connection of its own. */
  db: Kysely<unknown>;
  schema: string;
  owner: string;
  /** The log in order, from the lowest checkpoint of the targets. */
  batches: AsyncIterable<readonly RecordedEvent[]>;
  /** Events folded in memory between two writes (each write commits the rows with the checkpoint). */
  flushEvents: number;
  /** Rows a target keeps in memory before it drops them and loads what it needs again. */
  maxCachedRows: number;
  lagAfter: (events: readonly RecordedEvent[]) => Promise<Lag>;
  /** The targets as committed (their status rows). */
  reload: () => Promise<Target[]>;
  /**
   * Applies events straight to the tables, batch by batch as the runner does,
   * halting (and throwing) on an event a target cannot apply.
   */
  applyDirect: (targets: Target[], events: readonly RecordedEvent[]) => Promise<Target[]>;
  onBatch: (batch: readonly RecordedEvent[]) => Promise<void>;
  signal?: AbortSignal | undefined;
}>;

type Flush = Readonly<{ done: Promise<void>; batches: readonly (readonly RecordedEvent[])[] }>;

/**
 * A rebuild's fold from the log into versions nobody else writes: every
 * target folds into a `BufferedRows` (rows kept in memory, nothing loaded
 * when it starts from empty tables) and writes what changed every
 * `flushEvents` events, in one transaction per target with its checkpoint,
 * while the fold goes on with the next batches (one flush in flight at a
 * time, so each target's commits stay in order).
 *
 * Any failure, an event a target cannot apply or a write that fails, throws
 * the memory away: the targets are reloaded as committed and the events since
 * are applied again the direct way, which halts on the culprit exactly as the
 * runner would; then the fold carries on with fresh stores.
 */
export const bulkFold = async (options: BulkFoldOptions, start: readonly Target[]): Promise<Target[]> => {
  const storeOf = (target: Target, complete: boolean): BufferedRows =>
    new BufferedRows(
      options.db,
      versionTables(options.schema, target.projection.name, target.version),
      // A version whose checkpoint is still at the start has empty tables: nothing to load.
      { complete, maxCachedRows: options.maxCachedRows },
    );

  let targets = [...start];
  let stores = targets.map((t) => storeOf(t, comparePositions(t.checkpoint, START) === 0));
  let applied = targets.map(() => 0);
  /** Folded, not yet handed to a flush. */
  let unflushed: (readonly RecordedEvent[])[] = [];
  let unflushedEvents = 0;
  let inFlight: Flush | null = null;

  const settle = async (): Promise<void> => {
    const flush = inFlight;
    if (flush === null) return;
    await flush.done;
    inFlight = null;
  };

  const flush = async (): Promise<void> => {
    await settle();
    const events = unflushed.flat();
    const last = events.at(-1);
    if (last === undefined) return;
    const lag = await options.lagAfter(events);
    const writes = stores.map((s) => s.takeWrites());
    const counts = applied;
    const flushing = targets;
    const outcomes = Promise.allSettled(
      flushing.map((target, i) =>
        options.db.transaction().execute(async (trx) => {
          // Restartable: a commit lost in a crash loses its rows and its checkpoint together.
          await sql`set local synchronous_commit = off`.execute(trx);
          await writes[i]?.write(trx);
          const n = new Map([[target.projection.name, counts[i] ?? 0]]);
          await writeCheckpoints(trx, options.schema, [target], [last], n, lag, options.owner);
        }),
      ),
    );
    const done = outcomes.then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    });
    // Awaited by the next flush or by recover(); this only keeps Node from reporting it unhandled meanwhile.
    done.catch(() => undefined);
    inFlight = { done, batches: unflushed };
    unflushed = [];
    unflushedEvents = 0;
    applied = targets.map(() => 0);
    targets = targets.map((t) =>
      comparePositions(last.position, t.checkpoint) > 0 ? { ...t, checkpoint: last.position } : t,
    );
  };

  /** Waits for the flush in flight, whatever its outcome. */
  const drain = async (): Promise<void> => {
    await inFlight?.done.catch(() => undefined);
    inFlight = null;
  };

  const recover = async (): Promise<void> => {
    const events = [...(inFlight?.batches ?? []), ...unflushed].flat();
    await drain();
    unflushed = [];
    unflushedEvents = 0;
    targets = await options.applyDirect(await options.reload(), events);
    stores = targets.map((t) => storeOf(t, false));
    applied = targets.map(() => 0);
  };

  try {
    for await (const batch of options.batches) {
      options.signal?.throwIfAborted();
      unflushed.push(batch);
      unflushedEvents += batch.length;
      try {
        for (const [i, target] of targets.entries()) {
          applied[i] =
            (applied[i] ?? 0) + (await applyEvents(options.db, options.schema, target, batch, stores[i]));
        }
        if (unflushedEvents >= options.flushEvents) await flush();
      } catch {
        await recover();
      }
      await options.onBatch(batch);
    }
    try {
      await flush();
      await settle();
    } catch {
      await recover();
    }
  } finally {
    // Stopped early (aborted, or a failure recover() could not mend): no write may outlive the fold,
    // or a resumed rebuild could start from a checkpoint that is about to move.
    await drain();
  }
  return targets;
};
