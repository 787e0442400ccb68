/**
 * An immutable string-keyed map with structural sharing: a hash array mapped
 * trie (32-way branches, bitmap-compressed). `set` and `remove` copy only the
 * path to one key (at most 7 small nodes), so a state holding hundreds of
 * thousands of entries can be evolved event by event without copying it.
 *
 * The nodes are plain frozen-by-convention objects (nothing here mutates
 * one after it is built), so states holding maps still compare with
 * `toEqual` and serialise with `JSON.stringify`. The shape is canonical: the
 * same keys and values give the same tree whatever the order of the edits,
 * so two states with the same content are deeply equal.
 */

type Leaf<V> = Readonly<{ kind: 'leaf'; hash: number; key: string; value: V }>;
/** Keys whose 32-bit hashes are equal, sorted by key. */
type Collision<V> = Readonly<{ kind: 'collision'; hash: number; leaves: readonly Leaf<V>[] }>;
type Branch<V> = Readonly<{ kind: 'branch'; bitmap: number; children: readonly Node<V>[] }>;
type Node<V> = Leaf<V> | Collision<V> | Branch<V>;

export type PersistentMap<V> = Readonly<{ size: number; root: Node<V> | null }>;

const BITS = 5;
const MASK = 31;

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser so the low bits spread well. */
export const stringHash = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

const popcount = (bits: number): number => {
  let n = bits - ((bits >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
};

const bitFor = (hash: number, shift: number): number => 1 << ((hash >>> shift) & MASK);
const indexOf = (bitmap: number, bit: number): number => popcount(bitmap & (bit - 1));

const EMPTY: PersistentMap<never> = { size: 0, root: null };

export const emptyMap = <V>(): PersistentMap<V> => EMPTY;

const findLeaf = <V>(map: PersistentMap<V>, key: string): Leaf<V> | undefined => {
  const hash = stringHash(key);
  let node = map.root;
  let shift = 0;
  while (node !== null) {
    switch (node.kind) {
      case 'leaf':
        return node.key === key ? node : undefined;
      case 'collision':
        return node.hash === hash ? node.leaves.find((leaf) => leaf.key === key) : undefined;
      case 'branch': {
        const bit = bitFor(hash, shift);
        if ((node.bitmap & bit) === 0) return undefined;
        node = node.children[indexOf(node.bitmap, bit)] ?? null;
        shift += BITS;
        break;
      }
    }
  }
  return undefined;
};

export const getIn = <V>(map: PersistentMap<V>, key: string): V | undefined => findLeaf(map, key)?.value;

export const hasIn = <V>(map: PersistentMap<V>, key: string): boolean => findLeaf(map, key) !== undefined;

const replaceAt = <T>(items: readonly T[], index: number, item: T): T[] => {
  const copy = items.slice();
  copy[index] = item;
  return copy;
};

const insertAt = <T>(items: readonly T[], index: number, item: T): T[] => [
  ...items.slice(0, index),
  item,
  ...items.slice(index),
];

const removeAt = <T>(items: readonly T[], index: number): T[] => [
  ...items.slice(0, index),
  ...items.slice(index + 1),
];

/** A subtree holding two nodes with different hashes, split at the first 5 bits that differ. */
const join = <V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Branch<V> => {
  const bitA = bitFor(a.hash, shift);
  const bitB = bitFor(b.hash, shift);
  if (bitA === bitB) return { kind: 'branch', bitmap: bitA, children: [join(a, b, shift + BITS)] };
  const aFirst = ((a.hash >>> shift) & MASK) < ((b.hash >>> shift) & MASK);
  return { kind: 'branch', bitmap: bitA | bitB, children: aFirst ? [a, b] : [b, a] };
};

const insert = <V>(node: Node<V> | null, shift: number, leaf: Leaf<V>): Node<V> => {
  if (node === null) return leaf;
  switch (node.kind) {
    case 'leaf':
      if (node.key === leaf.key) return node.value === leaf.value ? node : leaf;
      if (node.hash !== leaf.hash) return join(node, leaf, shift);
      return {
        kind: 'collision',
        hash: leaf.hash,
        leaves: node.key < leaf.key ? [node, leaf] : [leaf, node],
      };
    case 'collision': {
      if (node.hash !== leaf.hash) return join(node, leaf, shift);
      const at = node.leaves.findIndex((held) => held.key >= leaf.key);
      const held = at === -1 ? undefined : node.leaves[at];
      if (held?.key === leaf.key) {
        if (held.value === leaf.value) return node;
        return { ...node, leaves: replaceAt(node.leaves, at, leaf) };
      }
      return { ...node, leaves: insertAt(node.leaves, at === -1 ? node.leaves.length : at, leaf) };
    }
    case 'branch': {
      const bit = bitFor(leaf.hash, shift);
      const index = indexOf(node.bitmap, bit);
      if ((node.bitmap & bit) === 0)
        return { kind: 'branch', bitmap: node.bitmap | bit, children: insertAt(node.children, index, leaf) };
      const child = node.children[index] ?? null;
      const updated = insert(child, shift + BITS, leaf);
      return updated === child ? node : { ...node, children: replaceAt(node.children, index, updated) };
    }
  }
};

const isTerminal = <V>(node: Node<V>): boolean => node.kind !== 'branch';

/** Removes `key`; returns the same node when it is absent, null when nothing is left. */
const without = <V>(node: Node<V>, shift: number, hash: number, key: string): Node<V> | null => {
  switch (node.kind) {
    case 'leaf':
      return node.key === key ? null : node;
    case 'collision': {
      if (node.hash !== hash) return node;
      const at = node.leaves.findIndex((leaf) => leaf.key === key);
      if (at === -1) return node;
      const leaves = removeAt(node.leaves, at);
      return leaves.length === 1 && leaves[0] !== undefined ? leaves[0] : { ...node, leaves };
    }
    case 'branch': {
      const bit = bitFor(hash, shift);
      if ((node.bitmap & bit) === 0) return node;
      const index = indexOf(node.bitmap, bit);
      const child = node.children[index];
      if (child === undefined) return node;
      const updated = without(child, shift + BITS, hash, key);
      if (updated === child) return node;
      // Keep the shape canonical: a branch never holds a lone leaf or collision.
      if (updated === null) {
        const children = removeAt(node.children, index);
        const only = children.length === 1 ? children[0] : undefined;
        if (children.length === 0) return null;
        if (only !== undefined && isTerminal(only)) return only;
        return { kind: 'branch', bitmap: node.bitmap & ~bit, children };
      }
      if (node.children.length === 1 && isTerminal(updated)) return updated;
      return { ...node, children: replaceAt(node.children, index, updated) };
    }
  }
};

export const setIn = <V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> => {
  const existed = findLeaf(map, key) !== undefined;
  const root = insert(map.root, 0, { kind: 'leaf', hash: stringHash(key), key, value });
  if (root === map.root) return map;
  return { size: existed ? map.size : map.size + 1, root };
};

export const removeIn = <V>(map: PersistentMap<V>, key: string): PersistentMap<V> => {
  if (map.root === null) return map;
  const root = without(map.root, 0, stringHash(key), key);
  if (root === map.root) return map;
  return root === null ? emptyMap() : { size: map.size - 1, root };
};

/** Every entry, in hash order (stable for the same content, not insertion order). */
export function* entriesOf<V>(map: PersistentMap<V>): Generator<[string, V]> {
  const stack: Node<V>[] = map.root === null ? [] : [map.root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    switch (node.kind) {
      case 'leaf':
        yield [node.key, node.value];
        break;
      case 'collision':
        for (const leaf of node.leaves) yield [leaf.key, leaf.value];
        break;
      case 'branch':
        for (let i = node.children.length - 1; i >= 0; i--) {
          const child = node.children[i];
          if (child !== undefined) stack.push(child);
        }
        break;
    }
  }
}

export function* valuesOf<V>(map: PersistentMap<V>): Generator<V> {
  for (const [, value] of entriesOf(map)) yield value;
}

export function* keysOf<V>(map: PersistentMap<V>): Generator<string> {
  for (const [key] of entriesOf(map)) yield key;
}

/** A plain record of the entries (own keys, so `__proto__` stays an ordinary key). */
export const toRecord = <V>(map: PersistentMap<V>): Record<string, V> => {
  const record: Record<string, V> = {};
  for (const [key, value] of entriesOf(map))
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  return record;
};

export const fromEntries = <V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> => {
  let map = emptyMap<V>();
  for (const [key, value] of entries) map = setIn(map, key, value);
  return map;
};
