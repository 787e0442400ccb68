import { describe, expect, it } from 'vitest';
import { CURRENCY_EXPONENTS } from '../domain/shared/money.ts';
import { loadConfig } from './config.ts';
import { DEFAULT_FEE_SCHEDULE_ID, parseFeeSchedules } from './fee-schedules.ts';

const EUR = { id: 'eur-2026', rateBasisPoints: 800, fixedMinor: 25, currency: 'EUR', rounding: 'half-up' };

describe('FEE_SCHEDULES', () => {
  it('defaults to 10 %, no fixed part, half-even, for every currency', () => {
    const { feeSchedules } = loadConfig({});
    expect(Object.keys(feeSchedules).sort()).toEqual(Object.keys(CURRENCY_EXPONENTS).sort());
    for (const [currency, schedule] of Object.entries(feeSchedules))
      expect(schedule).toEqual({
        id: DEFAULT_FEE_SCHEDULE_ID,
        rateBasisPoints: 1000,
        fixedMinor: 0,
        currency,
        rounding: 'half-even',
      });
  });

  it('replaces the default for the currencies it lists', () => {
    const { feeSchedules } = loadConfig({ FEE_SCHEDULES: JSON.stringify([EUR]) });
    expect(feeSchedules.EUR).toEqual(EUR);
    expect(feeSchedules.USD.id).toBe(DEFAULT_FEE_SCHEDULE_ID);
    expect(parseFeeSchedules('   ')).toEqual(parseFeeSchedules(undefined));
  });

  it.each([
    ['not JSON', '[{', /JSON array/],
    ['not an array', JSON.stringify(EUR), /JSON array/],
    ['an unknown currency', JSON.stringify([{ ...EUR, currency: 'XBT' }]), /currency/],
    [
      'a rate over 100 %',
      JSON.stringify([{ ...EUR, rateBasisPoints: 10_001 }]),
      /FEE_SCHEDULES\[0\] is invalid/,
    ],
    ['a fractional fixed fee', JSON.stringify([{ ...EUR, fixedMinor: 2.5 }]), /is invalid/],
    ['an unknown rounding', JSON.stringify([{ ...EUR, rounding: 'up' }]), /is invalid/],
    ['an id no command could carry', JSON.stringify([{ ...EUR, id: 'has spaces' }]), /\.id/],
    ['a missing field', JSON.stringify([{ ...EUR, rounding: undefined }]), /exactly the fields/],
    ['an extra field', JSON.stringify([{ ...EUR, note: 'x' }]), /exactly the fields/],
    ['one currency twice', JSON.stringify([EUR, { ...EUR, id: 'eur-b' }]), /EUR twice/],
  ])('refuses %s at start-up', (_what, value, message) => {
    expect(() => loadConfig({ FEE_SCHEDULES: value })).toThrow(message);
  });
});

describe('RETURN_WINDOW', () => {
  it('defaults to fourteen days and reads an ISO-8601 duration', () => {
    expect(loadConfig({}).windows.returnMs).toBe(14 * 86_400_000);
    expect(loadConfig({ RETURN_WINDOW: 'P30D' }).windows.returnMs).toBe(30 * 86_400_000);
    expect(() => loadConfig({ RETURN_WINDOW: 'P1M' })).toThrow(/RETURN_WINDOW/);
  });
});
