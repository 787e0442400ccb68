import { validate as isUuid } from 'uuid';
import { uuidV7 } from '../uuid-v7.ts';
import { tryCanonicalJson, tryCanonicalMetadataJson } from './canonical.ts';
import { EventStoreError } from './port.ts';
import type { EventMetadata, ExpectedRevision, JsonValue, NewEvent, ReadAllOptions } from './port.ts';

/** `<category>-<id>`: the category is what category reads and projections select on. */
const STREAM_ID = /^[a-z][a-zA-Z0-9]{0,39}-[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;
const CATEGORY = /^[a-z][a-zA-Z0-9]{0,39}$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

export type StoreLimits = Readonly<{
  maxEventBytes: number;
  maxEventsPerAppend: number;
  maxReadCount: number;
}>;

export const DEFAULT_LIMITS: StoreLimits = {
  maxEventBytes: 1024 * 1024,
  maxEventsPerAppend: 1000,
  maxReadCount: 10_000,
};

export const isValidStreamId = (streamId: string): boolean => STREAM_ID.test(streamId);

export const assertStreamId = (streamId: unknown): string => {
  if (typeof streamId !== 'string' || !STREAM_ID.test(streamId)) {
    throw new EventStoreError(
      'INVALID_STREAM_ID',
      `stream id must look like "<category>-<id>" (category: a lower-case letter then letters or digits; id: letters, digits, "_.:@-"); got ${JSON.stringify(streamId)}`,
    );
  }
  return streamId;
};

export const assertCategory = (category: unknown): string => {
  if (typeof category !== 'string' || !CATEGORY.test(category)) {
    throw new EventStoreError(
      'INVALID_CATEGORY',
      `category must be a lower-case letter then letters or digits; got ${JSON.stringify(category)}`,
    );
  }
  return category;
};

export const categoryOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'));

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Says where `value` stops being JSON that survives a round trip through jsonb unchanged. */
const assertJson = (value: unknown, path: string): void => {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EventStoreError('INVALID_EVENT', `${path} is not a finite number`);
    return;
  }
  if (typeof value === 'string') {
    // jsonb rejects NUL and unpaired surrogates; refuse them here with a clear error.
    if (value.includes('\u0000') || !value.isWellFormed()) {
      throw new EventStoreError('INVALID_EVENT', `${path} contains NUL or an unpaired surrogate`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertJson(item, `${path}[${i}]`);
    });
    return;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertJson(key, `${path} key`);
      if (item === undefined)
        throw new EventStoreError('INVALID_EVENT', `${path}.${key} is undefined (not JSON)`);
      assertJson(item, `${path}.${key}`);
    }
    return;
  }
  throw new EventStoreError('INVALID_EVENT', `${path} is not JSON (${typeof value})`);
};

const nullableString = (value: unknown, name: string): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 200) {
    throw new EventStoreError(
      'INVALID_EVENT',
      `metadata.${name} must be a string of at most 200 characters or null`,
    );
  }
  return value;
};

export type ValidEvent = Readonly<{
  eventId: string;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  schemaVersion: number;
  /** Data and metadata in canonical JSON: printed once, for the size, the digest and the insert. */
  dataJson: string;
  metadataJson: string;
}>;

/** Checks a batch for append and fills in defaults. Writes nothing, so bad input changes nothing. */
export const validateEvents = (events: unknown, limits: StoreLimits): readonly ValidEvent[] => {
  if (!Array.isArray(events) || events.length === 0) {
    throw new EventStoreError('EMPTY_APPEND', 'append needs at least one event');
  }
  if (events.length > limits.maxEventsPerAppend) {
    throw new EventStoreError(
      'TOO_MANY_EVENTS',
      `append takes at most ${limits.maxEventsPerAppend} events, got ${events.length}`,
    );
  }
  const ids = new Set<string>();
  return (events as readonly unknown[]).map((candidate, i) => {
    if (typeof candidate !== 'object' || candidate === null) {
      throw new EventStoreError('INVALID_EVENT', `event ${i} is not an object`);
    }
    const event = candidate as NewEvent;
    if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type)) {
      throw new EventStoreError('INVALID_EVENT', `event ${i} type must match ${EVENT_TYPE.source}`);
    }
    // An id made here is already a lower-case uuid; only a given one is checked and normalized.
    const givenId: unknown = event.eventId;
    let normalizedId: string;
    if (givenId === undefined || givenId === null) normalizedId = uuidV7();
    else if (typeof givenId !== 'string' || !isUuid(givenId))
      throw new EventStoreError('INVALID_EVENT', `event ${i} id is not a uuid`);
    else normalizedId = givenId.toLowerCase();
    if (ids.has(normalizedId))
      throw new EventStoreError('INVALID_EVENT', `event id ${normalizedId} appears twice in one append`);
    ids.add(normalizedId);
    const schemaVersion = event.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 32767) {
      throw new EventStoreError('INVALID_EVENT', `event ${i} schemaVersion must be an integer from 1`);
    }
    const dataJson = tryCanonicalJson(event.data);
    if (dataJson === undefined) {
      assertJson(event.data, `event ${i} data`);
      throw new EventStoreError('INVALID_EVENT', `event ${i} data is not JSON`);
    }
    const given = (event.metadata ?? {}) as Record<string, unknown>;
    if (typeof given !== 'object' || Array.isArray(given))
      throw new EventStoreError('INVALID_EVENT', `event ${i} metadata must be an object`);
    const metadata: EventMetadata = {
      correlationId: nullableString(given['correlationId'], 'correlationId'),
      causationId: nullableString(given['causationId'], 'causationId'),
      commandId: nullableString(given['commandId'], 'commandId'),
      actor: nullableString(given['actor'], 'actor'),
    };
    const metadataJson = tryCanonicalMetadataJson(metadata);
    if (metadataJson === undefined) {
      throw new EventStoreError('INVALID_EVENT', `event ${i} metadata contains NUL or an unpaired surrogate`);
    }
    const size = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
    if (size > limits.maxEventBytes) {
      throw new EventStoreError(
        'EVENT_TOO_LARGE',
        `event ${i} is ${size} bytes; the limit is ${limits.maxEventBytes}`,
      );
    }
    return {
      eventId: normalizedId,
      type: event.type,
      data: event.data,
      metadata,
      schemaVersion,
      dataJson,
      metadataJson,
    };
  });
};

export const assertExpectedRevision = (expected: unknown): ExpectedRevision => {
  const e = expected as ExpectedRevision | null | undefined;
  if (e?.kind === 'any' || e?.kind === 'noStream' || e?.kind === 'streamExists') return e;
  if (e?.kind === 'exact' && Number.isSafeInteger(e.revision) && e.revision >= 0) return e;
  throw new EventStoreError(
    'INVALID_EXPECTED_REVISION',
    `expected revision must be any, noStream, streamExists or an exact revision ≥ 0; got ${JSON.stringify(expected)}`,
  );
};

export const readCount = (maxCount: number | undefined, limits: StoreLimits, fallback: number): number => {
  const count = maxCount ?? fallback;
  if (!Number.isSafeInteger(count) || count < 1 || count > limits.maxReadCount) {
    throw new EventStoreError(
      'INVALID_READ_OPTIONS',
      `maxCount must be an integer from 1 to ${limits.maxReadCount}`,
    );
  }
  return count;
};

export const assertAfter = (options: ReadAllOptions | undefined): void => {
  const after = options?.after;
  if (after === undefined) return;
  if (
    !Number.isSafeInteger(after.commit) ||
    !Number.isSafeInteger(after.prepare) ||
    after.commit < 0 ||
    after.prepare < 0
  ) {
    throw new EventStoreError(
      'INVALID_READ_OPTIONS',
      `after must be a position of two non-negative integers`,
    );
  }
};
