/**
 * Group commit: appends through the pool that queue while the writers are
 * busy go to Postgres together, in one transaction, and each still gets the
 * outcome it would have had alone.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, chainHash, contentDigest } from '../canonical.ts';
import { eventStoreContract } from '../contract.ts';
import { Expected } from '../port.ts';
import type { AppendResult, NewEvent } from '../port.ts';
import { createTestSchema } from '../../postgres/test-database.ts';
import type { TestSchema } from '../../postgres/test-database.ts';
import { openPostgresEventStore } from './open.ts';
import type { PostgresEventStore } from './postgres-event-store.ts';

// The whole contract again with a single writer, so that its concurrent parts run as groups.
eventStoreContract('postgres, one group-commit writer', async () => {
  const db = await createTestSchema('es_group_contract', 4);
  const store = await openPostgresEventStore({
    pool: db.pool,
    schema: db.schema,
    groupCommit: { writers: 1 },
  });
  return {
    store,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
});

const ev = (type: string, eventId: string = uuidv7()): NewEvent => ({ type, data: { type }, eventId });
const stream = (): string => `order-${uuidv7()}`;

/** Until a backend of this test waits on a lock (the group, on the uncommitted row). */
const waitForLockWait = async (db: TestSchema): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    const { rowCount } = await db.pool.query(
      `select 1 from pg_stat_activity where wait_event_type = 'Lock' and application_name = $1`,
      [`test:${db.schema}`],
    );
    if (rowCount !== null && rowCount > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the group never waited on the uncommitted row');
};

const okCommit = (result: AppendResult): number => {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.conflict)}`);
  return result.position.commit;
};

describe('group commit', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  beforeEach(async () => {
    db = await createTestSchema('es_group', 4);
    store = await openPostgresEventStore({ pool: db.pool, schema: db.schema, groupCommit: { writers: 1 } });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('gives every append in a group its own outcome, in order, in one transaction', async () => {
    const existing = stream();
    const retried = [ev('A'), ev('B')];
    await store.append(existing, retried, { expectedRevision: Expected.noStream });
    const overlapId = retried[0]?.eventId ?? '';

    const blocker = store.append(stream(), [ev('Blocker')], { expectedRevision: Expected.noStream });
    // These queue behind the blocker (one writer) and go as one group.
    const chained = stream();
    const group = [
      store.append(chained, [ev('First')], { expectedRevision: Expected.noStream }),
      store.append(chained, [ev('Second'), ev('Third')], { expectedRevision: Expected.revision(0) }),
      store.append(existing, [ev('C')], { expectedRevision: Expected.noStream }),
      store.append(existing, retried, { expectedRevision: Expected.noStream }),
      store.append(stream(), [ev('Other')], { expectedRevision: Expected.any }),
    ];
    const overlap = store.append(existing, [ev('D', overlapId), ev('E')], { expectedRevision: Expected.any });
    await blocker;
    const [first, second, conflict, retry, other] = await Promise.all(group);
    await expect(overlap).rejects.toMatchObject({ code: 'IDEMPOTENCY_OVERLAP' });

    expect(first).toMatchObject({ ok: true, firstRevision: 0, nextExpectedRevision: 0, idempotent: false });
    expect(second).toMatchObject({ ok: true, firstRevision: 1, nextExpectedRevision: 2, idempotent: false });
    expect(conflict).toEqual({
      ok: false,
      conflict: { streamId: existing, expected: Expected.noStream, actual: 1 },
    });
    expect(retry).toMatchObject({ ok: true, firstRevision: 0, nextExpectedRevision: 1, idempotent: true });
    expect(other).toMatchObject({ ok: true, firstRevision: 0, idempotent: false });
    // One transaction: the new events of the group share their commit.
    if (first === undefined || second === undefined || other === undefined) throw new Error('missing result');
    expect(new Set([okCommit(first), okCommit(second), okCommit(other)]).size).toBe(1);

    // The chain runs through the two appends to one stream as if they had been made one after the other.
    const events = await store.readStream(chained);
    expect(events.map((e) => e.type)).toEqual(['First', 'Second', 'Third']);
    let previous = GENESIS_HASH;
    for (const e of events) {
      previous = chainHash(previous, e.revision, contentDigest(e));
      expect(e.hash).toBe(previous.toString('hex'));
    }
    expect((await store.readStream(existing)).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('without a retried append, reports for each append the position of its own last event', async () => {
    const existing = stream();
    await store.append(existing, [ev('A')], { expectedRevision: Expected.noStream });
    const blocker = store.append(stream(), [ev('Blocker')], { expectedRevision: Expected.noStream });
    // No event id of this group is stored yet: it takes the set-based path as one group.
    const chained = stream();
    const fresh = stream();
    const results = await Promise.all([
      store.append(fresh, [ev('F1'), ev('F2'), ev('F3')], { expectedRevision: Expected.any }),
      store.append(chained, [ev('First')], { expectedRevision: Expected.noStream }),
      store.append(existing, [ev('Late')], { expectedRevision: Expected.revision(5) }),
      store.append(existing, [ev('B'), ev('C')], { expectedRevision: Expected.streamExists }),
      store.append(chained, [ev('Second')], { expectedRevision: Expected.revision(0) }),
      store.append(stream(), [ev('Missing')], { expectedRevision: Expected.streamExists }),
      store.append(existing, [ev('D')], { expectedRevision: Expected.revision(2) }),
    ]);
    await blocker;

    const [freshResult, first, late, middle, second, missing, last] = results;
    expect(late).toEqual({
      ok: false,
      conflict: { streamId: existing, expected: Expected.revision(5), actual: 0 },
    });
    expect(missing).toMatchObject({ ok: false, conflict: { actual: 'noStream' } });
    expect(middle).toMatchObject({ ok: true, firstRevision: 1, nextExpectedRevision: 2 });
    expect(last).toMatchObject({ ok: true, firstRevision: 3, nextExpectedRevision: 3 });
    expect(second).toMatchObject({ ok: true, firstRevision: 1, nextExpectedRevision: 1 });

    // Each accepted append's position is where the log holds its last event.
    const stored = new Map<string, AppendResult>([
      [`${fresh}@2`, freshResult],
      [`${chained}@0`, first],
      [`${chained}@1`, second],
      [`${existing}@2`, middle],
      [`${existing}@3`, last],
    ]);
    for (const [key, result] of stored) {
      const [streamId = '', revision = ''] = key.split('@');
      const event = (await store.readStream(streamId)).find((e) => e.revision === Number(revision));
      if (!result.ok || event === undefined) throw new Error(`no event for ${key}`);
      expect(result.position).toEqual(event.position);
    }
    // The chain of a stream appended to twice in one group, and once before it.
    for (const streamId of [existing, chained, fresh]) {
      let previous = GENESIS_HASH;
      for (const e of await store.readStream(streamId)) {
        previous = chainHash(previous, e.revision, contentDigest(e));
        expect(e.hash).toBe(previous.toString('hex'));
      }
    }
    expect((await store.readStream(existing)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('retries the appends of a failed group alone, so one failure stays with its own append', async () => {
    // Another writer has appended to `contested` and not committed yet.
    const contested = stream();
    const other = await db.pool.connect();
    try {
      await other.query('begin');
      await store.appendWith(other, contested, [ev('Theirs')], { expectedRevision: Expected.noStream });

      const blocker = store.append(stream(), [ev('Blocker')], { expectedRevision: Expected.noStream });
      const good = [stream(), stream(), stream()].map((id) =>
        store.append(id, [ev('Good')], { expectedRevision: Expected.noStream }),
      );
      const mine = store.append(contested, [ev('Mine')], { expectedRevision: Expected.noStream });
      await blocker;
      // The group waits on the other writer's row; its commit makes the group's insert a duplicate key.
      await waitForLockWait(db);
      await other.query('commit');

      expect(await mine).toEqual({
        ok: false,
        conflict: { streamId: contested, expected: Expected.noStream, actual: 0 },
      });
      const results = await Promise.all(good);
      for (const result of results) expect(result).toMatchObject({ ok: true, firstRevision: 0 });
      // Retried alone: each in a transaction of its own.
      expect(new Set(results.map(okCommit)).size).toBe(results.length);
    } finally {
      other.release();
    }
  });

  it('refuses to append after an event a later transaction committed, so the log order follows the stream', async () => {
    const s = stream();
    await store.append(s, [ev('Zero')], { expectedRevision: Expected.noStream });
    const several = await db.pool.connect();
    try {
      // A transaction appending to several streams takes its id at its first append ...
      await several.query('begin');
      await store.appendWith(several, stream(), [ev('Elsewhere')], { expectedRevision: Expected.noStream });
      // ... then another transaction appends to s and commits ...
      await store.append(s, [ev('One')], { expectedRevision: Expected.revision(0) });
      // ... and an append after it would sort before it in the log.
      await expect(
        store.appendWith(several, s, [ev('Two')], { expectedRevision: Expected.revision(1) }),
      ).rejects.toMatchObject({ code: '40001' });
      await several.query('rollback');
    } finally {
      several.release();
    }
    expect((await store.readStream(s)).map((e) => e.type)).toEqual(['Zero', 'One']);
  });

  it.each(['append_events_arrays', 'append_events_columns'])(
    '%s refuses argument columns that do not line up, and writes nothing',
    async (fn) => {
      const call = `select * from "${db.schema}".${fn}($1::text[], $2::text[], $3::bigint[],
      $4::int[], $5::timestamptz[], $6::uuid[], $7::text[], $8::smallint[], $9::bytea, $10::json, $11::json)`;
      const s = stream();
      const aligned = (): unknown[] => [
        [s],
        ['noStream'],
        [null],
        [2],
        [new Date().toISOString()],
        [uuidv7(), uuidv7()],
        ['A', 'B'],
        [1, 1],
        Buffer.alloc(64),
        '[{"n":1},{"n":2}]',
        '[{},{}]',
      ];
      const broken: Record<string, (args: unknown[]) => void> = {
        'one datum short': (args) => (args[9] = '[{"n":1}]'),
        'one datum too many': (args) => (args[9] = '[{"n":1},{"n":2},{"n":3}]'),
        'one metadata short': (args) => (args[10] = '[{}]'),
        'one metadata too many': (args) => (args[10] = '[{},{},{}]'),
        'data and metadata both one short': (args) => {
          args[9] = '[{"n":1}]';
          args[10] = '[{}]';
        },
        'data and metadata both one too many': (args) => {
          args[9] = '[{"n":1},{"n":2},{"n":3}]';
          args[10] = '[{},{},{}]';
        },
        'an event id short': (args) => (args[5] = [uuidv7()]),
        'a digest short': (args) => (args[8] = Buffer.alloc(63)),
        'counts that do not add up': (args) => (args[3] = [3]),
        'an append of no events': (args) => {
          args[0] = [s, stream()];
          args[1] = ['noStream', 'noStream'];
          args[2] = [null, null];
          args[3] = [2, 0];
          args[4] = [new Date().toISOString(), new Date().toISOString()];
        },
      };
      for (const [name, breakIt] of Object.entries(broken)) {
        const args = aligned();
        breakIt(args);
        await expect(db.pool.query(call, args), name).rejects.toMatchObject({ code: '22023' });
      }
      expect(await store.readStream(s)).toEqual([]);
      // The same call, lined up, goes through.
      const { rows } = await db.pool.query<{ o_outcome: string }>(call, aligned());
      expect(rows.map((row) => row.o_outcome)).toEqual(['ok']);
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
    },
  );

  it.each([
    ['its expectation now fails (the function looks its ids up)', Expected.noStream],
    ['it expected any (its insert fails on the id, and the store sends the group again)', Expected.any],
    ['it expected the stream to exist (the same)', Expected.streamExists],
  ])(
    'takes a group holding a retried append through the function that tells a retry from an overlap when %s',
    async (_, expectedRevision) => {
      const existing = stream();
      const retried = [ev('A'), ev('B')];
      await store.append(existing, retried, { expectedRevision: Expected.noStream });
      const blocker = store.append(stream(), [ev('Blocker')], { expectedRevision: Expected.noStream });
      const fresh = stream();
      const group = await Promise.all([
        store.append(fresh, [ev('New')], { expectedRevision: Expected.noStream }),
        store.append(existing, retried, { expectedRevision }),
        store.append(fresh, [ev('Next')], { expectedRevision: Expected.revision(0) }),
      ]);
      await blocker;
      const [created, retry, next] = group;
      expect(retry).toMatchObject({ ok: true, idempotent: true, firstRevision: 0, nextExpectedRevision: 1 });
      expect(created).toMatchObject({ ok: true, firstRevision: 0, idempotent: false });
      expect(next).toMatchObject({ ok: true, firstRevision: 1, idempotent: false });
      // Still one transaction for the group's new events.
      expect(okCommit(created)).toBe(okCommit(next));
      expect((await store.readStream(existing)).map((e) => e.type)).toEqual(['A', 'B']);
      expect((await store.readStream(fresh)).map((e) => e.type)).toEqual(['New', 'Next']);
    },
  );
});

describe('group commit with two writers', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  beforeEach(async () => {
    db = await createTestSchema('es_group_two', 4);
    store = await openPostgresEventStore({
      pool: db.pool,
      schema: db.schema,
      groupCommit: { writers: 2, parallelBatch: 3 },
    });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('starts a second group while one is in flight only once parallelBatch appends wait', async () => {
    const held = stream();
    const other = await db.pool.connect();
    try {
      await other.query('begin');
      await store.appendWith(other, held, [ev('Theirs')], { expectedRevision: Expected.noStream });
      // The first group goes at once and waits on the other transaction's row.
      const blocked = store.append(held, [ev('Mine')], { expectedRevision: Expected.any });
      await waitForLockWait(db);

      const settled: string[] = [];
      const track = (name: string): Promise<AppendResult> =>
        store.append(stream(), [ev(name)], { expectedRevision: Expected.noStream }).then((result) => {
          settled.push(name);
          return result;
        });
      const two = [track('One'), track('Two')];
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Two waiting appends are fewer than parallelBatch: no second group yet.
      expect(settled).toEqual([]);

      const three = [...two, track('Three')];
      const results = await Promise.all(three);
      // The third made the queue deep enough: a second group took all three, while the first still waits.
      expect(settled.sort()).toEqual(['One', 'Three', 'Two']);
      expect(new Set(results.map(okCommit)).size).toBe(1);

      await other.query('commit');
      expect(await blocked).toMatchObject({ ok: true, firstRevision: 1 });
    } finally {
      other.release();
    }
  });
});
