import { describe, expect, it } from 'vitest';
import { currencyExponent, isCurrencyCode, isMinorUnits, isPositiveQuantity } from './index.ts';

describe('money', () => {
  it('knows ISO 4217 codes and their exponents, and nothing inherited', () => {
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    for (const code of ['XXX', 'eur', '', '__proto__', 'toString', 'constructor'])
      expect(isCurrencyCode(code)).toBe(false);
  });

  it('minor units are whole, non-negative and exact', () => {
    for (const amount of [0, 1, 12_500, Number.MAX_SAFE_INTEGER]) expect(isMinorUnits(amount)).toBe(true);
    for (const amount of [-1, 0.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '100', null])
      expect(isMinorUnits(amount)).toBe(false);
  });

  it('quantities are whole and positive', () => {
    expect(isPositiveQuantity(1)).toBe(true);
    for (const quantity of [0, -1, 1.5, Number.NaN, '2']) expect(isPositiveQuantity(quantity)).toBe(false);
  });
});
