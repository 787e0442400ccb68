import fc from 'fast-check';
import { v7, validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { formatUuidV7, uuidV7 } from './uuid-v7.ts';

describe('uuidV7', () => {
  it('makes valid version-7 uuids, unique and in the order they were made, across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, () => uuidV7());
    for (const id of ids) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect(id).toBe(id.toLowerCase());
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = uuidV7();
    const msecs = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(msecs).toBeGreaterThanOrEqual(before);
    expect(msecs).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('prints exactly what uuid v7 prints for the same time, counter and random bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (msecs, seq, random) => {
          expect(formatUuidV7(msecs, seq, random)).toBe(v7({ msecs, seq, random }));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
