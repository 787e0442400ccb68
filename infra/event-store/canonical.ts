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

/**
 * Object keys as printed with their colon: an event's keys come again and again, and testing and
 * quoting each one each time cost a tenth of the walk. Bounded: at most 4,096 keys of at most 64
 * characters (field names; a longer key is quoted each time), emptied when full.
 */
const keyTexts = new Map<string, string>();
const KEY_TEXTS_MAX = 4096;
const KEY_TEXT_MAX_LENGTH = 64;

const keyText = (key: string): string => {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = `${canonicalString(key)}:`;
    if (key.length > KEY_TEXT_MAX_LENGTH) return text;
    if (keyTexts.size >= KEY_TEXTS_MAX) keyTexts.clear();
    keyTexts.set(key, text);
  }
  return text;
};

/** Sorted in place by code unit, as `sort()` does; by insertion, which beats the built-in sort on an object's few keys. */
const sortKeys = (keys: string[]): string[] => {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
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
      const keys = Object.keys(object);
      if (keys.length <= 16) sortKeys(keys);
      else keys.sort();
      let text = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = object[key];
        if (item === undefined) throw NOT_JSON;
        text += (i === 0 ? '' : ',') + keyText(key) + walk(item);
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
 * The canonical event from parts already canonical: the object's keys in
 * sorted order (data, eventId, metadata, recordedAt, schemaVersion, streamId,
 * type), so an append prints its data once for the digest and the insert.
 */
const canonicalEventText = (event: CanonicalContent): string =>
  `{"data":${event.dataJson},"eventId":${canonicalString(event.eventId)},"metadata":${event.metadataJson},` +
  `"recordedAt":${canonicalString(event.recordedAt)},"schemaVersion":${JSON.stringify(event.schemaVersion)},` +
  `"streamId":${canonicalString(event.streamId)},"type":${canonicalString(event.type)}}`;

/** H(canonical event) from parts already canonical. One-shot: a Hash object per event cost more than the hashing. */
export const canonicalContentDigest = (event: CanonicalContent): Buffer =>
  hash('sha256', canonicalEventText(event), 'buffer');

/**
 * The same digest as 64 hex digits, for the append path: a 32-byte Buffer per event cost half of
 * the hashing (an ArrayBuffer allocation each), and the digests go to Postgres as one hex text.
 */
export const canonicalContentDigestHex = (event: CanonicalContent): string =>
  hash('sha256', canonicalEventText(event), 'hex');

const canonicalNullableString = (value: string | null): string =>
  value === null ? 'null' : canonicalString(value);

/**
 * `tryCanonicalJson` of complete metadata, printed in its one shape: every append prints one, and
 * the general walk (keys listed, sorted, looked up) took a third of the time of the event's data.
 */
export const tryCanonicalMetadataJson = (metadata: EventMetadata): string | undefined => {
  try {
    return (
      `{"actor":${canonicalNullableString(metadata.actor)},"causationId":${canonicalNullableString(metadata.causationId)},` +
      `"commandId":${canonicalNullableString(metadata.commandId)},"correlationId":${canonicalNullableString(metadata.correlationId)}}`
    );
  } catch (error) {
    if (error === NOT_JSON) return undefined;
    throw error;
  }
};

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
