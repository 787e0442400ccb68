import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMillis, isBefore, isInstant, toMillis } from './index.ts';

describe('isInstant', () => {
  it.each([
    '2025-03-01T10:00:00Z',
    '2025-03-01T10:00:00.000Z',
    '2025-03-01T10:00:00.123456789Z',
    '2024-02-29T23:59:59.999Z',
    '1969-07-20T20:17:00Z',
  ])('accepts %s', (value) => {
    expect(isInstant(value)).toBe(true);
  });

  it.each([
    ['no zone', '2025-03-01T10:00:00'],
    ['an offset', '2025-03-01T10:00:00+02:00'],
    ['a date alone', '2025-03-01'],
    ['a 30 February', '2025-02-30T00:00:00Z'],
    ['a 29 February outside a leap year', '2025-02-29T00:00:00Z'],
    ['hour 24', '2025-01-01T24:00:00Z'],
    ['a leap second', '2025-12-31T23:59:60Z'],
    ['month 13', '2025-13-01T00:00:00Z'],
    ['words', 'yesterday'],
  ])('refuses %s', (_what, value) => {
    expect(isInstant(value)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [null, undefined, 0, Date.UTC(2025, 0, 1), {}]) expect(isInstant(value)).toBe(false);
  });

  it('accepts exactly what toISOString writes, for any representable 4-digit-year date', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(isInstant(date.toISOString())).toBe(true);
        },
      ),
    );
  });
});

describe('arithmetic on instants', () => {
  it('compares by the instant, not the text', () => {
    expect(isBefore('2025-03-01T10:00:00Z', '2025-03-01T10:00:00.001Z')).toBe(true);
    expect(isBefore('2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00Z')).toBe(false);
  });
  it('adds milliseconds and writes a normalised instant', () => {
    expect(addMillis('2025-03-01T10:00:00Z', 86_400_000)).toBe('2025-03-02T10:00:00.000Z');
    expect(toMillis(addMillis('2025-03-01T10:00:00Z', 1))).toBe(toMillis('2025-03-01T10:00:00Z') + 1);
  });
});
