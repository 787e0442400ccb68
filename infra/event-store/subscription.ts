import { START } from './port.ts';
import type { EventStore, LogPosition, RecordedEvent } from './port.ts';

export type SubscriptionOptions = Readonly<{
  /** Exclusive: deliver what comes after this position. Defaults to the start of the log. */
  after?: LogPosition;
  /** Only streams `<category>-*`. */
  category?: string;
  batchSize?: number;
  /** Longest pause between polls once caught up; the first polls come quicker. */
  maxIdleMs?: number;
  signal?: AbortSignal;
}>;

/**
 * Catches up from a position, then follows the live log, in batches.
 *
 * No NOTIFY inside appends (it takes a cluster-wide lock at commit and
 * serializes every writer): same-process appends wake the reader at once, and
 * other processes' appends are found by polling that backs off from 1 ms to
 * `maxIdleMs` while the log is quiet and resets as soon as events arrive.
 */
export async function* subscribeBatches(
  store: EventStore,
  options: SubscriptionOptions = {},
): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
  const batchSize = options.batchSize ?? 500;
  const maxIdleMs = options.maxIdleMs ?? 50;
  let after = options.after ?? START;
  let idleMs = 1;
  while (options.signal?.aborted !== true) {
    const read = { after, maxCount: batchSize };
    const batch =
      options.category === undefined
        ? await store.readAll(read)
        : await store.readCategory(options.category, read);
    const last = batch.at(-1);
    if (last !== undefined) {
      after = last.position;
      yield batch;
    }
    if (batch.length < batchSize) {
      await store.waitForAppend(idleMs, options.signal);
      idleMs = last === undefined ? Math.min(maxIdleMs, idleMs * 2) : 1;
    }
  }
}

/** One event at a time; see `subscribeBatches`. */
export async function* subscribe(
  store: EventStore,
  options: SubscriptionOptions = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
  for await (const batch of subscribeBatches(store, options)) yield* batch;
}
