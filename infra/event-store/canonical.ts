import { createHash, hash } from 'node:crypto';
import type { EventMetadata, JsonValue } from './port.ts';

/** Thrown inside the walk below to abandon it (one instance: no stack to capture); never escapes this module. */
const NOT_JSON = new Error('not JSON');

// Printable ASCII but `"` and `\\`: prints as itself between quotes. Most keys and values are.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const canonicalString = (value: string): string => {
  if (PLAIN.test(value)) return `"${value}"`;
  // jsonb refuses NUL and unpaired surrogates: such a string could not be stored as it is.
  if (value.includes('\u0000') || !value.isWellFormed()) throw NOT_JSON;
  return JSON.stringify(value);
};

// Index loops and one string built as it goes: this runs for every event appended, and the iterators,
// arrays and joins of the shorter form took half of its time.
const walk = (value: unknown): string => {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      // What JSON.stringify prints for a finite number (-0 included).
      if (!Number.isFinite(value)) throw NOT_JSON;
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + walk(value[i]);
        return `${text}]`;
      }
      // Plain objects only (a dictionary without a prototype is one too): a Date or a Map would print
      // as something else than it is.
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) throw NOT_JSON;
      const object = value as Readonly<Record<string, unknown>>;
      const keys = Object.keys(object).sort();
      let text = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = object[key];
        if (item === undefined) throw NOT_JSON;
        text += `${i === 0 ? '' : ','}${canonicalString(key)}:${walk(item)}`;
      }
      return `${text}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw NOT_JSON;
  }
};

/**
 * Canonical JSON: object keys sorted by code unit, no white space, numbers as
 * JavaScript prints them. The same value always gives the same bytes, before
 * it is stored and after it is read back from jsonb, which is what lets an
 * auditor recompute the hash chain from the stored rows. `undefined` when the
 * value is not JSON that jsonb stores unchanged (a Date, NaN, undefined in an
 * object, a NUL character…): one walk both checks and prints.
 */
export const tryCanonicalJson = (value: unknown): string | undefined => {
  try {
    return walk(value);
  } catch (error) {
    if (error === NOT_JSON) return undefined;
    throw error;
  }
};

export const canonicalJson = (value: JsonValue): string => {
  const text = tryCanonicalJson(value);
  if (text === undefined) throw new TypeError('not a JSON value that jsonb stores unchanged');
  return text;
};

export type HashedContent = Readonly<{
  eventId: string;
  streamId: string;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  schemaVersion: number;
  recordedAt: string;
}>;

/** The same content with data and metadata already in canonical JSON. */
export type CanonicalContent = Omit<HashedContent, 'data' | 'metadata'> &
  Readonly<{ dataJson: string; metadataJson: string }>;

const sha256 = (...parts: readonly (string | Buffer)[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/**
 * H(canonical event) from parts already canonical: the object's keys in
 * sorted order (data, eventId, metadata, recordedAt, schemaVersion, streamId,
 * type), so an append prints its data once for the digest and the insert.
 */
export const canonicalContentDigest = (event: CanonicalContent): Buffer =>
  // One-shot: a Hash object per event cost more than the hashing.
  hash(
    'sha256',
    `{"data":${event.dataJson},"eventId":${canonicalString(event.eventId)},"metadata":${event.metadataJson},` +
      `"recordedAt":${canonicalString(event.recordedAt)},"schemaVersion":${JSON.stringify(event.schemaVersion)},` +
      `"streamId":${canonicalString(event.streamId)},"type":${canonicalString(event.type)}}`,
    'buffer',
  );

/** H(canonical event): what the event says, independent of where the log puts it. */
export const contentDigest = (event: HashedContent): Buffer =>
  canonicalContentDigest({
    ...event,
    dataJson: canonicalJson(event.data),
    metadataJson: canonicalJson(event.metadata),
  });

/** The chain value before a stream's first event. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

const revisionBytes = (revision: number): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(revision));
  return bytes;
};

/**
 * H(previous ‖ revision as 8 bytes big-endian ‖ content digest). The Postgres
 * adapter computes the same value in SQL (`sha256(prev || int8send(rev) || digest)`),
 * so appends never need an extra round trip to fetch the previous hash.
 */
export const chainHash = (previous: Buffer, revision: number, digest: Buffer): Buffer =>
  sha256(previous, revisionBytes(revision), digest);
