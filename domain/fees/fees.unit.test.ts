import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantViolation } from '../shared/index.ts';
import type { CurrencyCode } from '../shared/index.ts';
import { computeFee, feeScheduleProblem, percentageFeeMinor, ROUNDING_RULES } from './index.ts';
import type { FeeSchedule } from './index.ts';

const schedule = (overrides: Partial<FeeSchedule> = {}): FeeSchedule => ({
  id: 'fees-2025',
  rateBasisPoints: 500,
  fixedMinor: 70,
  currency: 'EUR',
  rounding: 'half-even',
  ...overrides,
});
const eur = (amount: number) => ({ amount, currency: 'EUR' as CurrencyCode });

const arbSchedule = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  rateBasisPoints: fc.integer({ min: 0, max: 10_000 }),
  fixedMinor: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.maxSafeNat()),
  currency: fc.constant<CurrencyCode>('EUR'),
  rounding: fc.constantFrom(...ROUNDING_RULES),
});
const arbGross = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeNat());

describe('computeFee', () => {
  it('is rate × gross / 10 000 plus the fixed part', () => {
    expect(computeFee(eur(10_000), schedule())).toEqual(eur(570));
    expect(computeFee(eur(2_000), schedule({ fixedMinor: 0 }))).toEqual(eur(100));
  });

  it('rounds an exact half to the even neighbour with half-even', () => {
    // 5 % of 10 = 0.5 → 0; 5 % of 30 = 1.5 → 2; 5 % of 50 = 2.5 → 2
    const s = schedule({ fixedMinor: 0 });
    expect(computeFee(eur(10), s).amount).toBe(0);
    expect(computeFee(eur(30), s).amount).toBe(2);
    expect(computeFee(eur(50), s).amount).toBe(2);
    expect(computeFee(eur(70), s).amount).toBe(4);
  });

  it('rounds an exact half up with half-up', () => {
    const s = schedule({ fixedMinor: 0, rounding: 'half-up' });
    expect(computeFee(eur(10), s).amount).toBe(1);
    expect(computeFee(eur(50), s).amount).toBe(3);
  });

  it('rounds non-ties to the nearest whatever the rule', () => {
    for (const rounding of ROUNDING_RULES) {
      const s = schedule({ fixedMinor: 0, rateBasisPoints: 1_234, rounding });
      expect(computeFee(eur(1), s).amount).toBe(0); // 0.1234
      expect(computeFee(eur(5), s).amount).toBe(1); // 0.617
      expect(computeFee(eur(999), s).amount).toBe(123); // 123.2766
    }
  });

  it('is clamped to the gross', () => {
    expect(computeFee(eur(50), schedule({ fixedMinor: 70 }))).toEqual(eur(50));
    expect(computeFee(eur(0), schedule())).toEqual(eur(0));
    expect(computeFee(eur(1_000), schedule({ rateBasisPoints: 10_000, fixedMinor: 1 }))).toEqual(eur(1_000));
  });

  it('is exact on the largest safe amounts (no float products)', () => {
    const gross = Number.MAX_SAFE_INTEGER; // 9007199254740991
    const s = schedule({ fixedMinor: 0, rateBasisPoints: 1, rounding: 'half-up' });
    // 9007199254740991 / 10000 = 900719925474.0991 → 900719925474
    expect(computeFee(eur(gross), s).amount).toBe(900_719_925_474);
    const exact = (BigInt(gross) * 9_999n + 5_000n) / 10_000n;
    expect(
      BigInt(
        computeFee(eur(gross), schedule({ fixedMinor: 0, rateBasisPoints: 9_999, rounding: 'half-up' }))
          .amount,
      ),
    ).toBe(exact);
  });

  it('throws on an invalid schedule or a currency mismatch (decide refuses those first)', () => {
    expect(() => computeFee(eur(100), schedule({ rateBasisPoints: 10_001 }))).toThrow(InvariantViolation);
    expect(() => computeFee(eur(100), schedule({ rateBasisPoints: 2.5 }))).toThrow(InvariantViolation);
    expect(() => computeFee(eur(100), schedule({ fixedMinor: -1 }))).toThrow(InvariantViolation);
    expect(() => computeFee(eur(100), schedule({ currency: 'USD' }))).toThrow(InvariantViolation);
    expect(() => computeFee(eur(-1), schedule())).toThrow(InvariantViolation);
    expect(() => computeFee(eur(1.5), schedule())).toThrow(InvariantViolation);
  });

  it('names the problem of a schedule', () => {
    expect(feeScheduleProblem(schedule(), 'EUR')).toBeNull();
    expect(feeScheduleProblem(schedule({ id: '' }), 'EUR')).toBe('INVALID_FEE_SCHEDULE');
    expect(feeScheduleProblem(schedule({ rounding: 'up' as never }), 'EUR')).toBe('INVALID_FEE_SCHEDULE');
    expect(feeScheduleProblem(schedule({ currency: 'XXX' as never }), 'EUR')).toBe('INVALID_FEE_SCHEDULE');
    expect(feeScheduleProblem(schedule(), 'USD')).toBe('FEE_CURRENCY_MISMATCH');
  });
});

describe('computeFee properties', () => {
  it('0 ≤ fee ≤ gross, an integer, deterministic', () => {
    fc.assert(
      fc.property(arbGross, arbSchedule, (gross, s) => {
        const fee = computeFee(eur(gross), s);
        expect(Number.isSafeInteger(fee.amount)).toBe(true);
        expect(fee.amount).toBeGreaterThanOrEqual(0);
        expect(fee.amount).toBeLessThanOrEqual(gross);
        expect(fee.currency).toBe('EUR');
        expect(computeFee(eur(gross), s)).toEqual(fee);
      }),
    );
  });

  it('the percentage part equals exact rational rounding (checked with bigint)', () => {
    fc.assert(
      fc.property(
        arbGross,
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom(...ROUNDING_RULES),
        (gross, bp, rule) => {
          const product = BigInt(gross) * BigInt(bp);
          const q = product / 10_000n;
          const twiceR = 2n * (product % 10_000n);
          const expected =
            twiceR < 10_000n
              ? q
              : twiceR > 10_000n
                ? q + 1n
                : rule === 'half-up' || q % 2n === 1n
                  ? q + 1n
                  : q;
          expect(BigInt(percentageFeeMinor(gross, bp, rule))).toBe(expected);
        },
      ),
    );
  });

  it('is monotone in the gross', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), arbSchedule, (a, b, s) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(computeFee(eur(lo), s).amount).toBeLessThanOrEqual(computeFee(eur(hi), s).amount);
      }),
    );
  });
});
