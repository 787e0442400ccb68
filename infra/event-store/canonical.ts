import { createHash } from 'node:crypto';
import type { EventMetadata, JsonValue } from './port.ts';

/**
 * Canonical JSON: object keys sorted by code unit, no white space, numbers as
 * JavaScript prints them. The same value always gives the same bytes, before
 * it is stored and after it is read back from jsonb, which is what lets an
 * auditor recompute the hash chain from the stored rows.
 */
export const canonicalJson = (value: JsonValue): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map(canonicalJson).join(',')}]`;
  const object = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(object).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key] as JsonValue)}`).join(',')}}`;
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

const sha256 = (...parts: readonly (string | Buffer)[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** H(canonical event): what the event says, independent of where the log puts it. */
export const contentDigest = (event: HashedContent): Buffer =>
  sha256(
    canonicalJson({
      eventId: event.eventId,
      streamId: event.streamId,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      schemaVersion: event.schemaVersion,
      recordedAt: event.recordedAt,
    }),
  );

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
