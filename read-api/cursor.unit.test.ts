import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesIfNoneMatch } from './caching.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError } from './errors.ts';

const SECRET = Buffer.from('unit-test-cursor-secret');
const value = fc.oneof(fc.string(), fc.maxSafeInteger());

describe('cursors', () => {
  it('round-trip their values for the same query', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(value, { maxLength: 4 }), (context, values) => {
        const shape = values.map((v) => (typeof v === 'number' ? 'number' : 'string'));
        expect(decodeCursor(SECRET, context, encodeCursor(SECRET, context, values), shape)).toEqual(values);
      }),
    );
  });

  it('are refused for another query, another secret, or any change', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.tuple(fc.string(), fc.string()),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (context, other, values, at, flip) => {
          const cursor = encodeCursor(SECRET, context, values);
          const shape = ['string', 'string'] as const;
          if (other !== context) {
            expect(() => decodeCursor(SECRET, other, cursor, shape)).toThrow(ApiError);
          }
          expect(() => decodeCursor(Buffer.from('another-secret'), context, cursor, shape)).toThrow(ApiError);
          const i = at % cursor.length;
          const changed =
            cursor.slice(0, i) + String.fromCharCode(cursor.charCodeAt(i) ^ flip) + cursor.slice(i + 1);
          if (changed !== cursor)
            expect(() => decodeCursor(SECRET, context, changed, shape)).toThrow(ApiError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('are refused when the shape does not match, with code invalid-cursor', () => {
    const cursor = encodeCursor(SECRET, 'q', ['a', 1]);
    expect(() => decodeCursor(SECRET, 'q', cursor, ['string', 'string'])).toThrow(
      expect.objectContaining({ code: 'invalid-cursor', status: 400 }),
    );
    expect(() => decodeCursor(SECRET, 'q', cursor, ['string'])).toThrow(ApiError);
    expect(() => decodeCursor(SECRET, 'q', 'x'.repeat(1000), ['string'])).toThrow(ApiError);
  });
});

describe('If-None-Match', () => {
  it('matches strong, weak and wildcard tags in a list', () => {
    expect(matchesIfNoneMatch('"a"', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"b", W/"a"', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"b"', '"a"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"a"')).toBe(false);
  });
});
