import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyMap,
  entriesOf,
  fromEntries,
  getIn,
  hasIn,
  keysOf,
  removeIn,
  setIn,
  stringHash,
  toRecord,
  valuesOf,
} from './persistent-map.ts';
import type { PersistentMap } from './persistent-map.ts';

type Op = Readonly<{ kind: 'set'; key: string; value: number }> | Readonly<{ kind: 'remove'; key: string }>;

// A few hundred keys make deep tries; the short keys make repeats and removals of present keys common.
const arbKey = fc.oneof(
  fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', 'toString', ''),
  fc.integer({ min: 0, max: 400 }).map((n) => `k${String(n)}`),
  fc.string({ maxLength: 6 }),
);
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('set' as const), key: arbKey, value: fc.integer() }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), key: arbKey }), weight: 1 },
);

const apply = (map: PersistentMap<number>, op: Op): PersistentMap<number> =>
  op.kind === 'set' ? setIn(map, op.key, op.value) : removeIn(map, op.key);

const sorted = <V>(entries: Iterable<[string, V]>): [string, V][] =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('PersistentMap', () => {
  it('behaves like a Map under any sequence of sets and removes', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 300 }), fc.array(arbKey, { maxLength: 20 }), (ops, probes) => {
        const model = new Map<string, number>();
        let map = emptyMap<number>();
        for (const op of ops) {
          map = apply(map, op);
          if (op.kind === 'set') model.set(op.key, op.value);
          else model.delete(op.key);
          expect(map.size).toBe(model.size);
        }
        expect(sorted(entriesOf(map))).toEqual(sorted(model.entries()));
        expect([...keysOf(map)].sort()).toEqual([...model.keys()].sort());
        expect([...valuesOf(map)].sort()).toEqual([...model.values()].sort());
        for (const key of [...probes, ...model.keys()]) {
          expect(getIn(map, key)).toBe(model.get(key));
          expect(hasIn(map, key)).toBe(model.has(key));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never changes a map it was given: every earlier version still reads as it did', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 200 }), (ops) => {
        const versions: [PersistentMap<number>, string][] = [];
        let map = emptyMap<number>();
        for (const op of ops) {
          versions.push([map, JSON.stringify(sorted(entriesOf(map)))]);
          map = apply(map, op);
        }
        for (const [version, seen] of versions) expect(JSON.stringify(sorted(entriesOf(version)))).toBe(seen);
      }),
      { numRuns: 100 },
    );
  });

  it('has one shape per content, whatever the order of the edits', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 200 }), (ops) => {
        const map = ops.reduce(apply, emptyMap<number>());
        const rebuilt = fromEntries([...entriesOf(map)].reverse());
        expect(rebuilt).toEqual(map);
        // Removing everything leaves the empty map itself.
        expect([...keysOf(map)].reduce(removeIn, map)).toEqual(emptyMap());
      }),
      { numRuns: 200 },
    );
  });

  it('keeps keys whose hashes collide apart', () => {
    // Find two different keys with the same 32-bit hash (birthday bound: ~2^16 tries).
    const seen = new Map<number, number>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const hash = stringHash(`c${String(i)}`);
      const other = seen.get(hash);
      if (other === undefined) seen.set(hash, i);
      else pair = [`c${String(other)}`, `c${String(i)}`];
    }
    const [a, b] = pair;
    let map = fromEntries([
      [a, 1],
      [b, 2],
      ['x', 3],
    ]);
    expect([getIn(map, a), getIn(map, b), getIn(map, 'x'), map.size]).toEqual([1, 2, 3, 3]);
    map = setIn(map, b, 20);
    expect(getIn(map, b)).toBe(20);
    expect(fromEntries([...entriesOf(map)].reverse())).toEqual(map);
    map = removeIn(map, a);
    expect([getIn(map, a), getIn(map, b), map.size]).toEqual([undefined, 20, 2]);
    expect(removeIn(removeIn(map, b), 'x')).toEqual(emptyMap());
  });

  it('returns the same map when nothing changes', () => {
    const map = fromEntries([
      ['a', 1],
      ['b', 2],
    ]);
    expect(setIn(map, 'a', 1)).toBe(map);
    expect(removeIn(map, 'zz')).toBe(map);
    expect(removeIn(emptyMap(), 'a')).toEqual(emptyMap());
  });

  it('treats prototype names as plain keys and turns into a plain record', () => {
    const map = fromEntries([
      ['__proto__', 1],
      ['constructor', 2],
    ]);
    expect(getIn(map, 'toString')).toBeUndefined();
    const record = toRecord(map);
    expect(Object.keys(record).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(record['__proto__']).toBe(1);
  });
});
