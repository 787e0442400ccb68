import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalContentDigest,
  canonicalContentDigestHex,
  canonicalJson,
  contentDigest,
  tryCanonicalJson,
  tryCanonicalMetadataJson,
} from './canonical.ts';
import type { JsonValue } from './port.ts';

// Strings jsonb stores unchanged: no NUL, no unpaired surrogate.
const storable = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    // JSON has no -0: it prints as 0, as JSON.stringify and jsonb both do.
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    storable,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(storable, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const reversedKeys = (value: JsonValue): JsonValue => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map(reversedKeys);
  const object = value as Readonly<Record<string, JsonValue>>;
  return Object.fromEntries(
    Object.keys(object)
      .reverse()
      .map((key) => [key, reversedKeys(object[key] as JsonValue)]),
  );
};

describe('canonical JSON', () => {
  it('is JSON for the same value whatever the key order, with sorted keys', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(value);
        expect(canonicalJson(reversedKeys(value))).toBe(text);
        expect(canonicalJson(JSON.parse(text) as JsonValue)).toBe(text);
      }),
    );
  });

  it('sorts keys by code unit and prints no white space', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'x', B: 1.5 })).toBe(
      '{"B":1.5,"a":"x","b":[1,{"c":null,"d":true}]}',
    );
  });

  it('refuses what jsonb would not store unchanged', () => {
    for (const value of [
      { a: undefined },
      [undefined],
      Number.NaN,
      Number.POSITIVE_INFINITY,
      'a\u0000b',
      '\ud800',
      { ['\u0000']: 1 },
      new Date(0),
      new Map(),
      () => 1,
      1n,
      Symbol('s'),
      undefined,
    ]) {
      expect(tryCanonicalJson(value)).toBeUndefined();
    }
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });
});

describe('content digest', () => {
  it('is the digest of the whole event in canonical JSON, from parts printed once', () => {
    fc.assert(
      fc.property(json, json, fc.uuid(), storable, (data, extra, eventId, actor) => {
        const event = {
          eventId,
          streamId: 'order-1',
          type: 'OrderPlaced',
          data,
          metadata: { correlationId: null, causationId: null, commandId: null, actor },
          schemaVersion: 2,
          recordedAt: '2026-11-23T09:00:00.000Z',
        };
        const whole = canonicalJson(event);
        const digest = contentDigest(event);
        expect(digest.toString('hex')).toBe(createHash('sha256').update(whole).digest('hex'));
        expect(
          canonicalContentDigest({
            ...event,
            dataJson: canonicalJson(data),
            metadataJson: canonicalJson(event.metadata),
          }),
        ).toEqual(digest);
        expect(
          canonicalContentDigestHex({
            ...event,
            dataJson: canonicalJson(data),
            metadataJson: canonicalJson(event.metadata),
          }),
        ).toBe(digest.toString('hex'));
        if (canonicalJson(extra) !== canonicalJson(data)) {
          expect(contentDigest({ ...event, data: extra })).not.toEqual(digest);
        }
      }),
    );
  });

  it('prints metadata in its one shape as the general walk does, and refuses what the walk refuses', () => {
    const field = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
    fc.assert(
      fc.property(field, field, field, field, (correlationId, causationId, commandId, actor) => {
        const metadata = { correlationId, causationId, commandId, actor };
        expect(tryCanonicalMetadataJson(metadata)).toBe(tryCanonicalJson(metadata));
      }),
      { numRuns: 1_000 },
    );
    expect(
      tryCanonicalMetadataJson({ correlationId: 'a\u0000', causationId: null, commandId: null, actor: null }),
    ).toBeUndefined();
    expect(
      tryCanonicalMetadataJson({ correlationId: null, causationId: null, commandId: null, actor: '\ud800' }),
    ).toBeUndefined();
  });

  it('sorts objects of many keys as of few, integer-like keys by code unit', () => {
    const keys = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? String(i) : `k${String(39 - i)}`));
    const many = Object.fromEntries(keys.map((key) => [key, key.length]));
    const sorted = [...keys].sort();
    expect(canonicalJson(many)).toBe(`{${sorted.map((key) => `"${key}":${String(key.length)}`).join(',')}}`);
    expect(canonicalJson({ b: 1, 10: 2, 9: 3, a: { 2: 0, 10: 1 } })).toBe(
      '{"10":2,"9":3,"a":{"10":1,"2":0},"b":1}',
    );
  });
});
