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

export type ReadBatchesOptions = Readonly<{
  /** Exclusive: read what comes after this position. Defaults to the start of the log. */
  after?: LogPosition;
  /** Only streams `<category>-*`. */
  category?: string | undefined;
  batchSize?: number;
}>;

const DEFAULT_BATCH_SIZE = 500;

/**
 * The log from a position to its end as it is now, in batches; ends after the
 * first batch shorter than `batchSize`.
 *
 * The next batch is read while the caller handles the current one, so the
 * database and the caller work at the same time instead of taking turns
 * (docs/event-store.md, "Reading ahead"). Each read is an ordinary
 * `readAll`/`readCategory` after the previous batch's last event: order and
 * the gap-free guarantee are the port's. It holds two batches at most, and,
 * while both are in flight, two connections.
 */
export async function* readBatches(
  store: EventStore,
  options: ReadBatchesOptions = {},
): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const read = (after: LogPosition): Promise<readonly RecordedEvent[]> => {
    const batch =
      options.category === undefined
        ? store.readAll({ after, maxCount: batchSize })
        : store.readCategory(options.category, { after, maxCount: batchSize });
    // A caller that stops early leaves a read behind: its failure must not be an unhandled rejection.
    batch.catch(() => undefined);
    return batch;
  };
  let next = read(options.after ?? START);
  for (;;) {
    const batch = await next;
    const last = batch.at(-1);
    if (last === undefined) return;
    const more = batch.length >= batchSize;
    if (more) next = read(last.position);
    yield batch;
    if (!more) return;
  }
}

/**
 * Catches up from a position, then follows the live log, in batches (read
 * one ahead, see `readBatches`).
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
  const maxIdleMs = options.maxIdleMs ?? 50;
  const read = { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, category: options.category };
  let after = options.after ?? START;
  let idleMs = 1;
  const aborted = (): boolean => options.signal?.aborted === true;
  while (!aborted()) {
    let found = false;
    for await (const batch of readBatches(store, { ...read, after })) {
      after = batch.at(-1)?.position ?? after;
      found = true;
      yield batch;
      if (aborted()) return;
    }
    await store.waitForAppend(idleMs, options.signal);
    idleMs = found ? 1 : Math.min(maxIdleMs, idleMs * 2);
  }
}

/** One event at a time; see `subscribeBatches`. */
export async function* subscribe(
  store: EventStore,
  options: SubscriptionOptions = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
  for await (const batch of subscribeBatches(store, options)) yield* batch;
}
