import { stringHash } from '../shared/persistent-map.ts';

/**
 * The live reservations ordered by (expiry, id): a persistent treap whose
 * priorities are hashes of the ids (deterministic, so the shape depends only
 * on the content and states stay deeply comparable). Its first entry is the
 * earliest live expiry, so "has anything expired at `at`?" is one
 * comparison, and listing what has expired visits only those entries, in the
 * order the decision expires them. Insert and remove copy one path,
 * expected O(log n).
 */
export type ExpiryIndex = ExpiryNode | null;

type ExpiryNode = Readonly<{
  /** Expiry in ms; an unreadable expiry is +Infinity: it never expires, as `isExpired` reads it. */
  expiresAt: number;
  reservationId: string;
  priority: number;
  left: ExpiryIndex;
  right: ExpiryIndex;
}>;

export type ExpiryKey = Readonly<{ expiresAt: number; reservationId: string }>;

export const expiryMillis = (millis: number): number => (Number.isNaN(millis) ? Infinity : millis);

const compare = (a: ExpiryKey, b: ExpiryKey): number =>
  a.expiresAt - b.expiresAt ||
  (a.reservationId < b.reservationId ? -1 : a.reservationId > b.reservationId ? 1 : 0);

const isAbove = (a: ExpiryNode, b: ExpiryNode): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.reservationId < b.reservationId;

/** All of `a` sorts before all of `b`. */
const merge = (a: ExpiryIndex, b: ExpiryIndex): ExpiryIndex => {
  if (a === null) return b;
  if (b === null) return a;
  return isAbove(a, b) ? { ...a, right: merge(a.right, b) } : { ...b, left: merge(a, b.left) };
};

/** The entries before and after `key` (which is not in the index). */
const split = (index: ExpiryIndex, key: ExpiryKey): [ExpiryIndex, ExpiryIndex] => {
  if (index === null) return [null, null];
  if (compare(index, key) < 0) {
    const [low, high] = split(index.right, key);
    return [{ ...index, right: low }, high];
  }
  const [low, high] = split(index.left, key);
  return [low, { ...index, left: high }];
};

const insertNode = (index: ExpiryIndex, node: ExpiryNode): ExpiryNode => {
  if (index === null) return node;
  if (isAbove(node, index)) {
    const [left, right] = split(index, node);
    return { ...node, left, right };
  }
  return compare(node, index) < 0
    ? { ...index, left: insertNode(index.left, node) }
    : { ...index, right: insertNode(index.right, node) };
};

export const addExpiry = (index: ExpiryIndex, key: ExpiryKey): ExpiryIndex =>
  insertNode(index, {
    expiresAt: key.expiresAt,
    reservationId: key.reservationId,
    priority: stringHash(key.reservationId),
    left: null,
    right: null,
  });

/** Removes `key`; the same index when it is absent. */
export const removeExpiry = (index: ExpiryIndex, key: ExpiryKey): ExpiryIndex => {
  if (index === null) return null;
  const order = compare(key, index);
  if (order === 0) return merge(index.left, index.right);
  if (order < 0) {
    const left = removeExpiry(index.left, key);
    return left === index.left ? index : { ...index, left };
  }
  const right = removeExpiry(index.right, key);
  return right === index.right ? index : { ...index, right };
};

/** The earliest expiry in ms, +Infinity when the index is empty. */
export const earliestExpiry = (index: ExpiryIndex): number => {
  let node = index;
  if (node === null) return Infinity;
  while (node.left !== null) node = node.left;
  return node.expiresAt;
};

/** Ids of the entries expiring at or before `atMillis`, earliest first (then by id). */
export const expiredBy = (index: ExpiryIndex, atMillis: number): string[] => {
  const ids: string[] = [];
  // In-order walk that stops at the first entry after `atMillis`.
  const stack: ExpiryNode[] = [];
  let node = index;
  for (;;) {
    while (node !== null) {
      stack.push(node);
      node = node.left;
    }
    const next = stack.pop();
    if (next === undefined || !(next.expiresAt <= atMillis)) return ids;
    ids.push(next.reservationId);
    node = next.right;
  }
};
