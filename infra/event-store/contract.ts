/**
 * The event store contract, written once and run against every adapter:
 * `eventStoreContract('postgres', factory)` in the adapter's integration test.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, chainHash, contentDigest } from './canonical.ts';
import { Expected, START, comparePositions } from './port.ts';
import type { AppendResult, EventStore, JsonValue, NewEvent, RecordedEvent } from './port.ts';
import { subscribe } from './subscription.ts';

export type StoreUnderTest = Readonly<{ store: EventStore; dispose: () => Promise<void> }>;

const ev = (type: string, data: JsonValue = {}, extra: Partial<NewEvent> = {}): NewEvent => ({
  type,
  data,
  ...extra,
});
const stream = (category = 'order'): string => `${category}-${uuidv7()}`;

/**
 * Reads return a transaction once every older one in the cluster has ended
 * (docs/event-store.md), and other tests share the cluster: wait for the
 * append to settle before reading it back.
 */
const settled = async (store: EventStore, result: AppendResult): Promise<void> => {
  if (!result.ok) throw new Error(`the append conflicted: ${JSON.stringify(result.conflict)}`);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (comparePositions(await store.headPosition(), result.position) >= 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the append did not become readable within 10 s');
};

const expectCode = async (promise: Promise<unknown>, code: string): Promise<void> => {
  await expect(promise).rejects.toMatchObject({ name: 'EventStoreError', code });
};

export const eventStoreContract = (adapter: string, open: () => Promise<StoreUnderTest>): void => {
  describe(`event store contract: ${adapter}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    describe('expected revision', () => {
      it('noStream creates a stream at revision 0 and refuses an existing one', async () => {
        const id = stream();
        const first = await store.append(id, [ev('OrderPlaced')], { expectedRevision: Expected.noStream });
        expect(first).toMatchObject({
          ok: true,
          firstRevision: 0,
          nextExpectedRevision: 0,
          idempotent: false,
        });
        const second = await store.append(id, [ev('OrderPaid')], { expectedRevision: Expected.noStream });
        expect(second).toEqual({
          ok: false,
          conflict: { streamId: id, expected: Expected.noStream, actual: 0 },
        });
      });

      it('streamExists refuses a missing stream and accepts an existing one', async () => {
        const id = stream();
        const missing = await store.append(id, [ev('OrderPaid')], {
          expectedRevision: Expected.streamExists,
        });
        expect(missing).toEqual({
          ok: false,
          conflict: { streamId: id, expected: Expected.streamExists, actual: 'noStream' },
        });
        await store.append(id, [ev('OrderPlaced')], { expectedRevision: Expected.any });
        const exists = await store.append(id, [ev('OrderPaid')], { expectedRevision: Expected.streamExists });
        expect(exists).toMatchObject({ ok: true, firstRevision: 1, nextExpectedRevision: 1 });
      });

      it('an exact revision must be the last one', async () => {
        const id = stream();
        await store.append(id, [ev('A'), ev('B')], { expectedRevision: Expected.noStream });
        const stale = await store.append(id, [ev('C')], { expectedRevision: Expected.revision(0) });
        expect(stale).toEqual({
          ok: false,
          conflict: { streamId: id, expected: Expected.revision(0), actual: 1 },
        });
        const ahead = await store.append(id, [ev('C')], { expectedRevision: Expected.revision(5) });
        expect(ahead.ok).toBe(false);
        const onMissing = await store.append(stream(), [ev('C')], { expectedRevision: Expected.revision(0) });
        expect(onMissing).toMatchObject({ ok: false, conflict: { actual: 'noStream' } });
        const right = await store.append(id, [ev('C')], { expectedRevision: Expected.revision(1) });
        expect(right).toMatchObject({ ok: true, firstRevision: 2, nextExpectedRevision: 2 });
      });

      it('any appends whatever the stream holds', async () => {
        const id = stream();
        expect(await store.append(id, [ev('A')], { expectedRevision: Expected.any })).toMatchObject({
          ok: true,
          firstRevision: 0,
        });
        expect(await store.append(id, [ev('B')], { expectedRevision: Expected.any })).toMatchObject({
          ok: true,
          firstRevision: 1,
        });
      });

      it('a conflict writes nothing', async () => {
        const id = stream();
        await store.append(id, [ev('A')], { expectedRevision: Expected.noStream });
        await store.append(id, [ev('B'), ev('C')], { expectedRevision: Expected.revision(7) });
        expect((await store.readStream(id)).map((e) => e.type)).toEqual(['A']);
      });
    });

    describe('append', () => {
      it('writes several events atomically with consecutive revisions and increasing positions', async () => {
        const id = stream();
        const result = await store.append(id, [ev('A', { n: 1 }), ev('B', { n: 2 }), ev('C', { n: 3 })], {
          expectedRevision: Expected.noStream,
        });
        expect(result).toMatchObject({ ok: true, firstRevision: 0, nextExpectedRevision: 2 });
        const events = await store.readStream(id);
        expect(events.map((e) => [e.revision, e.type, e.data])).toEqual([
          [0, 'A', { n: 1 }],
          [1, 'B', { n: 2 }],
          [2, 'C', { n: 3 }],
        ]);
        for (let i = 1; i < events.length; i++) {
          expect(
            comparePositions(
              (events[i - 1] as RecordedEvent).position,
              (events[i] as RecordedEvent).position,
            ),
          ).toBe(-1);
        }
        if (result.ok) expect(result.position).toEqual(events[2]?.position);
      });

      it('stores id, metadata, schema version, time and a hash chain an auditor can recompute', async () => {
        const id = stream();
        const eventId = uuidv7();
        await store.append(
          id,
          [
            ev(
              'A',
              { price: { amount: 1250, currency: 'EUR' }, tags: ['x', 'y'] },
              {
                eventId,
                schemaVersion: 2,
                metadata: {
                  correlationId: 'corr-1',
                  causationId: 'cause-1',
                  commandId: 'cmd-1',
                  actor: 'user-7',
                },
              },
            ),
            ev('B', { ż: 'ünïcode ✓', nested: { b: 1, a: [null, true, 0.5] } }),
          ],
          { expectedRevision: Expected.noStream },
        );
        const [first, second] = await store.readStream(id);
        expect(first).toMatchObject({
          eventId,
          streamId: id,
          revision: 0,
          type: 'A',
          schemaVersion: 2,
          metadata: { correlationId: 'corr-1', causationId: 'cause-1', commandId: 'cmd-1', actor: 'user-7' },
        });
        expect(second?.metadata).toEqual({
          correlationId: null,
          causationId: null,
          commandId: null,
          actor: null,
        });
        expect(second?.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
        expect(Number.isNaN(Date.parse(first?.recordedAt ?? ''))).toBe(false);
        let previous = GENESIS_HASH;
        for (const event of [first, second] as RecordedEvent[]) {
          previous = chainHash(previous, event.revision, contentDigest(event));
          expect(event.hash).toBe(previous.toString('hex'));
        }
      });

      it('an idempotent retry of the same events at the same place writes nothing twice', async () => {
        const id = stream();
        const batch = [ev('A', { n: 1 }, { eventId: uuidv7() }), ev('B', { n: 2 }, { eventId: uuidv7() })];
        const first = await store.append(id, batch, { expectedRevision: Expected.noStream });
        const again = await store.append(id, batch, { expectedRevision: Expected.noStream });
        const anyAgain = await store.append(id, batch, { expectedRevision: Expected.any });
        expect(first).toMatchObject({ ok: true, idempotent: false });
        if (!first.ok) throw new Error('unreachable');
        expect(again).toEqual({ ...first, idempotent: true });
        expect(anyAgain).toEqual({ ...first, idempotent: true });
        await store.append(id, [ev('C')], { expectedRevision: Expected.revision(1) });
        const lateRetry = await store.append(id, batch, { expectedRevision: Expected.noStream });
        expect(lateRetry).toEqual({ ...first, idempotent: true });
        expect(await store.readStream(id)).toHaveLength(3);
      });

      it('refuses ids stored at another place and writes nothing', async () => {
        const id = stream();
        const a = ev('A', {}, { eventId: uuidv7() });
        const b = ev('B', {}, { eventId: uuidv7() });
        await store.append(id, [a, b], { expectedRevision: Expected.noStream });
        await expectCode(
          store.append(id, [b, ev('C', {}, { eventId: uuidv7() })], { expectedRevision: Expected.any }),
          'IDEMPOTENCY_OVERLAP',
        );
        // A prefix of an earlier batch, at its own place, is a retry too (as in EventStoreDB).
        expect(await store.append(id, [a], { expectedRevision: Expected.any })).toMatchObject({
          ok: true,
          idempotent: true,
          firstRevision: 0,
          nextExpectedRevision: 0,
        });
        await expectCode(store.append(id, [b, a], { expectedRevision: Expected.any }), 'IDEMPOTENCY_OVERLAP');
        await expectCode(
          store.append(stream(), [a], { expectedRevision: Expected.any }),
          'IDEMPOTENCY_OVERLAP',
        );
        expect(await store.readStream(id)).toHaveLength(2);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards from a revision, with a count', async () => {
        const id = stream();
        await store.append(
          id,
          ['A', 'B', 'C', 'D', 'E'].map((t) => ev(t)),
          { expectedRevision: Expected.noStream },
        );
        const types = (events: readonly RecordedEvent[]): string[] => events.map((e) => e.type);
        expect(types(await store.readStream(id))).toEqual(['A', 'B', 'C', 'D', 'E']);
        expect(types(await store.readStream(id, { fromRevision: 2 }))).toEqual(['C', 'D', 'E']);
        expect(types(await store.readStream(id, { fromRevision: 1, maxCount: 2 }))).toEqual(['B', 'C']);
        expect(types(await store.readStream(id, { direction: 'backwards' }))).toEqual([
          'E',
          'D',
          'C',
          'B',
          'A',
        ]);
        expect(
          types(await store.readStream(id, { direction: 'backwards', fromRevision: 2, maxCount: 2 })),
        ).toEqual(['C', 'B']);
        expect(await store.readStream(id, { fromRevision: 9 })).toEqual([]);
        expect(await store.readStream(stream())).toEqual([]);
      });
    });

    describe('reading the log', () => {
      it('reads every stream in global order, in batches from a position', async () => {
        const a = stream('order');
        const b = stream('inventory');
        await store.append(a, [ev('A1'), ev('A2')], { expectedRevision: Expected.noStream });
        await store.append(b, [ev('B1')], { expectedRevision: Expected.noStream });
        await settled(store, await store.append(a, [ev('A3')], { expectedRevision: Expected.revision(1) }));
        const all = await store.readAll();
        expect(all.map((e) => e.type)).toEqual(['A1', 'A2', 'B1', 'A3']);
        const firstTwo = await store.readAll({ maxCount: 2 });
        expect(firstTwo.map((e) => e.type)).toEqual(['A1', 'A2']);
        const rest = await store.readAll({ after: (firstTwo[1] as RecordedEvent).position });
        expect(rest.map((e) => e.type)).toEqual(['B1', 'A3']);
        expect(await store.readAll({ after: (all[3] as RecordedEvent).position })).toEqual([]);
        expect(await store.headPosition()).toEqual((all[3] as RecordedEvent).position);
      });

      it('reads a category in global order', async () => {
        const o1 = stream('order');
        const o2 = stream('order');
        await store.append(o1, [ev('O1')], { expectedRevision: Expected.noStream });
        await store.append(stream('inventory'), [ev('I1')], { expectedRevision: Expected.noStream });
        await store.append(o2, [ev('O2')], { expectedRevision: Expected.noStream });
        await store.append(stream('orderline'), [ev('L1')], { expectedRevision: Expected.noStream });
        await settled(store, await store.append(o1, [ev('O3')], { expectedRevision: Expected.any }));
        const orders = await store.readCategory('order');
        expect(orders.map((e) => e.type)).toEqual(['O1', 'O2', 'O3']);
        const after = await store.readCategory('order', {
          after: (orders[0] as RecordedEvent).position,
          maxCount: 1,
        });
        expect(after.map((e) => e.type)).toEqual(['O2']);
      });

      it('an empty log has its head at the start', async () => {
        expect(await store.headPosition()).toEqual(START);
        expect(await store.readAll()).toEqual([]);
      });
    });

    describe('subscription', () => {
      it('catches up from a position and then follows the live log', async () => {
        const id = stream();
        await settled(
          store,
          await store.append(id, [ev('Old1'), ev('Old2'), ev('Old3')], {
            expectedRevision: Expected.noStream,
          }),
        );
        const [first] = await store.readAll({ maxCount: 1 });
        const controller = new AbortController();
        const seen: string[] = [];
        const reading = (async () => {
          for await (const event of subscribe(store, {
            after: first?.position ?? START,
            batchSize: 2,
            signal: controller.signal,
          })) {
            seen.push(event.type);
            if (seen.length === 2) {
              // caught up: now append live events from "elsewhere"
              void store.append(stream('inventory'), [ev('Live1')], { expectedRevision: Expected.noStream });
            }
            if (seen.length === 3) void store.append(id, [ev('Live2')], { expectedRevision: Expected.any });
            if (seen.length === 4) controller.abort();
          }
        })();
        await reading;
        expect(seen).toEqual(['Old2', 'Old3', 'Live1', 'Live2']);
      });

      it('follows one category only', async () => {
        const controller = new AbortController();
        const seen: string[] = [];
        const reading = (async () => {
          for await (const event of subscribe(store, { category: 'payment', signal: controller.signal })) {
            seen.push(event.type);
            if (seen.length === 2) controller.abort();
          }
        })();
        await store.append(stream('order'), [ev('Skip')], { expectedRevision: Expected.any });
        await store.append(stream('payment'), [ev('P1')], { expectedRevision: Expected.any });
        await store.append(stream('payment'), [ev('P2')], { expectedRevision: Expected.any });
        await reading;
        expect(seen).toEqual(['P1', 'P2']);
      });
    });

    describe('bad input gets a typed error and writes nothing', () => {
      const cases: readonly [string, string, () => unknown[], string][] = [
        ['an empty stream id', '', () => [ev('A')], 'INVALID_STREAM_ID'],
        ['a stream id without category', 'justanid', () => [ev('A')], 'INVALID_STREAM_ID'],
        ['a stream id with spaces', 'order-a b', () => [ev('A')], 'INVALID_STREAM_ID'],
        ['an upper-case category', 'Order-1', () => [ev('A')], 'INVALID_STREAM_ID'],
        ['an empty event list', 'order-1', () => [], 'EMPTY_APPEND'],
        ['undefined in data', 'order-1', () => [{ type: 'A', data: { x: undefined } }], 'INVALID_EVENT'],
        ['a function in data', 'order-1', () => [{ type: 'A', data: { f: () => 1 } }], 'INVALID_EVENT'],
        ['NaN in data', 'order-1', () => [{ type: 'A', data: { n: Number.NaN } }], 'INVALID_EVENT'],
        ['a Date in data', 'order-1', () => [{ type: 'A', data: { at: new Date() } }], 'INVALID_EVENT'],
        ['a bigint in data', 'order-1', () => [{ type: 'A', data: { n: 1n } }], 'INVALID_EVENT'],
        ['a NUL character', 'order-1', () => [{ type: 'A', data: 'a\u0000b' }], 'INVALID_EVENT'],
        ['a missing type', 'order-1', () => [{ data: {} }], 'INVALID_EVENT'],
        ['a non-uuid event id', 'order-1', () => [{ type: 'A', data: {}, eventId: 'nope' }], 'INVALID_EVENT'],
        [
          'an oversized event',
          'order-1',
          () => [{ type: 'A', data: { blob: 'x'.repeat(1024 * 1024 + 1) } }],
          'EVENT_TOO_LARGE',
        ],
        [
          'one bad event among good ones',
          'order-1',
          () => [ev('A'), ev('B'), { type: 'C', data: { n: Number.POSITIVE_INFINITY } }],
          'INVALID_EVENT',
        ],
      ];
      it.each(cases)('%s', async (_name, streamId, events, code) => {
        await expectCode(
          store.append(streamId, events() as NewEvent[], { expectedRevision: Expected.any }),
          code,
        );
        expect(await store.readAll()).toEqual([]);
      });

      it('an unknown expected revision', async () => {
        await expectCode(
          store.append(stream(), [ev('A')], { expectedRevision: { kind: 'exact', revision: -2 } }),
          'INVALID_EXPECTED_REVISION',
        );
        expect(await store.readAll()).toEqual([]);
      });

      it('bad read options', async () => {
        await expectCode(store.readStream('nope'), 'INVALID_STREAM_ID');
        await expectCode(store.readCategory('Order'), 'INVALID_CATEGORY');
        await expectCode(store.readAll({ maxCount: 0 }), 'INVALID_READ_OPTIONS');
        await expectCode(store.readAll({ after: { commit: -1, prepare: 0 } }), 'INVALID_READ_OPTIONS');
      });
    });
  });
};
