import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../audit/log-reader.ts';
import { toSafeInteger } from '../../postgres/database.ts';
import { createTestSchema } from '../../postgres/test-database.ts';
import type { TestSchema } from '../../postgres/test-database.ts';
import { Expected, START, comparePositions } from '../port.ts';
import type { EventStore, JsonValue, LogPosition, NewEvent, RecordedEvent } from '../port.ts';
import { readBatches } from '../subscription.ts';
import { openPostgresEventStore } from './open.ts';
import type { PostgresEventStore } from './postgres-event-store.ts';

/**
 * The row mapping and the batch reader against what they replaced: the query
 * and mapping the store used before (object rows, named columns) is kept here
 * as the reference.
 */

type PreviousRow = {
  event_id: string;
  stream_id: string;
  stream_revision: string;
  commit: string;
  position: string;
  event_type: string;
  data: JsonValue;
  metadata: RecordedEvent['metadata'];
  schema_version: number;
  recorded_at: string;
  hash: string;
};

const previousReadAll = async (
  pool: pg.Pool,
  schema: string,
  after: LogPosition,
  count: number,
): Promise<RecordedEvent[]> => {
  const { rows } = await pool.query<PreviousRow>(
    `select event_id, stream_id, stream_revision, transaction_id::text as commit, position, event_type,
      data, metadata, schema_version,
      to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as recorded_at,
      encode(hash, 'hex') as hash
     from "${schema}".events where (transaction_id, position) > ($1::text::xid8, $2)
      and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     order by transaction_id, position limit $3`,
    [String(after.commit), after.prepare, count],
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: toSafeInteger(row.stream_revision, 'revision'),
    position: {
      commit: toSafeInteger(row.commit, 'commit'),
      prepare: toSafeInteger(row.position, 'position'),
    },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    schemaVersion: row.schema_version,
    recordedAt: row.recorded_at,
    hash: row.hash,
  }));
};

/** Every event, one `read` after another from the start. */
const readWhole = async (
  read: (after: LogPosition) => Promise<readonly RecordedEvent[]>,
): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  for (let after = START; ;) {
    const batch = await read(after);
    const last = batch.at(-1);
    if (last === undefined) return all;
    all.push(...batch);
    after = last.position;
  }
};

const collect = async (batches: AsyncIterable<readonly RecordedEvent[]>): Promise<RecordedEvent[][]> => {
  const out: RecordedEvent[][] = [];
  for await (const batch of batches) out.push([...batch]);
  return out;
};

// Data that tests the text formats: unicode, escapes, nested values, numbers of every kind.
const varied = (i: number): NewEvent => ({
  type: i % 3 === 0 ? 'PriceChanged' : 'Listing.Noted_v2',
  data: {
    i,
    title: `Théière « Ōkubo » ${'🍵'.repeat(i % 3)} "quoted" \\ back\nline\ttab`,
    price: { amount: 1999 + i, currency: 'EUR' },
    ratio: i / 8,
    tiny: 1e-7,
    large: 9007199254740991,
    negative: -i,
    flags: [true, false, null],
    nested: { empty: {}, list: [], deep: { deeper: [{ x: i }] } },
  },
  metadata:
    i % 2 === 0 ? { correlationId: `c-${i}`, causationId: null, actor: 'seller-7' } : { commandId: uuidv7() },
  ...(i % 4 === 0 ? { schemaVersion: 2 } : {}),
});

describe('postgres log reads', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  const categories = ['listing', 'order', 'payment'] as const;

  beforeAll(async () => {
    db = await createTestSchema('es_log_reads', 4);
    store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
    let last: LogPosition = START;
    for (let s = 0; s < 12; s++) {
      const events = Array.from({ length: 1 + (s % 4) }, (_, k) => varied(s * 10 + k));
      const result = await store.append(`${categories[s % 3] ?? 'order'}-${uuidv7()}`, events, {
        expectedRevision: Expected.noStream,
      });
      if (!result.ok) throw new Error('unexpected conflict');
      last = result.position;
    }
    // Other tests share the cluster and may hold the read horizon back for a moment.
    for (const deadline = Date.now() + 10_000; comparePositions(await store.headPosition(), last) < 0;) {
      if (Date.now() > deadline) throw new Error('the seeded log did not become readable');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('readAll returns what the previous query and mapping returned, field for field and in the same text', async () => {
    const reference = await readWhole((after) => previousReadAll(db.pool, db.schema, after, 7));
    const read = await readWhole((after) => store.readAll({ after, maxCount: 7 }));
    expect(reference).toHaveLength(30);
    expect(read).toEqual(reference);
    expect(JSON.stringify(read)).toBe(JSON.stringify(reference));
  });

  it("the audit's reader, by position and by stream, reads the same events", async () => {
    const reader = new LogReader(db.pool, db.schema);
    const all = await store.readAll({ maxCount: 100 });
    expect((await collect(reader.byPosition({}, 4))).flat()).toEqual(all);
    const byStream = [...all].sort((a, b) =>
      a.streamId === b.streamId ? a.revision - b.revision : a.streamId < b.streamId ? -1 : 1,
    );
    expect((await collect(reader.byStream(3))).flat()).toEqual(byStream);
  });

  it('readStream and headPosition read the same rows as readAll', async () => {
    const all = await store.readAll({ maxCount: 100 });
    const last = all.at(-1);
    expect(await store.headPosition()).toEqual(last?.position);
    const streamId = all.find((e) => e.revision === 3)?.streamId ?? '';
    const ofStream = all.filter((e) => e.streamId === streamId);
    expect(ofStream).toHaveLength(4);
    expect(await store.readStream(streamId)).toEqual(ofStream);
    expect(await store.readStream(streamId, { direction: 'backwards', maxCount: 2 })).toEqual(
      ofStream.slice(2).reverse(),
    );
  });

  describe('readBatches', () => {
    it.each([1, 5, 10, 30, 1000])(
      'with batches of %i, reads what a readAll loop reads',
      async (batchSize) => {
        const expected = await store.readAll({ maxCount: 1000 });
        const batches = await collect(readBatches(store, { batchSize }));
        expect(batches.flat()).toEqual(expected);
        expect(batches.slice(0, -1).every((batch) => batch.length === batchSize)).toBe(true);
        expect(batches.at(-1)?.length).toBe(expected.length % batchSize || batchSize);
      },
    );

    it('starts after a position and keeps to a category', async () => {
      const all = await store.readAll({ maxCount: 1000 });
      const from = all[9]?.position ?? START;
      expect((await collect(readBatches(store, { after: from, batchSize: 4 }))).flat()).toEqual(
        all.slice(10),
      );
      const payments = all.filter((e) => e.streamId.startsWith('payment-'));
      expect(payments.length).toBeGreaterThan(0);
      expect((await collect(readBatches(store, { category: 'payment', batchSize: 2 }))).flat()).toEqual(
        payments,
      );
    });

    it('ends at once on an empty log, or when started at its end', async () => {
      const head = await store.headPosition();
      expect(await collect(readBatches(store, { after: head }))).toEqual([]);
    });

    it('a failed read reaches the caller; one left behind by a caller that stopped is no unhandled rejection', async () => {
      let reads = 0;
      // The real store, whose reads after the first fail.
      const failing = (): EventStore => ({
        append: (streamId, events, options) => store.append(streamId, events, options),
        readStream: (streamId, options) => store.readStream(streamId, options),
        readAll: async (options) => {
          reads += 1;
          if (reads > 1) throw new Error('connection lost');
          return store.readAll(options);
        },
        readCategory: (category, options) => store.readCategory(category, options),
        headPosition: () => store.headPosition(),
        waitForAppend: (timeoutMs, signal) => store.waitForAppend(timeoutMs, signal),
        close: () => Promise.resolve(),
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        const stopped = readBatches(failing(), { batchSize: 2 });
        expect((await stopped.next()).value).toHaveLength(2);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await stopped.return();
        expect(reads).toBe(2);

        reads = 0;
        const reading = readBatches(failing(), { batchSize: 2 });
        await reading.next();
        await expect(reading.next()).rejects.toThrow('connection lost');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });
});
