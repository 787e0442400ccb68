/**
 * The marketplace fee: a rate in basis points of the gross amount plus a fixed
 * amount, in integer minor units, clamped to [0, gross].
 *
 * Integer arithmetic only. The percentage part is `gross × rate / 10 000`
 * computed by splitting gross into `q × 10 000 + r`, so that
 * `gross × rate / 10 000 = q × rate + (r × rate) / 10 000` exactly, with every
 * intermediate product a safe integer (r × rate < 10^8) — no floats, no bigint,
 * no overflow for any safe-integer gross.
 *
 * Rounding of the percentage part is explicit in the schedule:
 * - `half-even` (banker's rounding, the recommended default): an exact tie
 *   (a remainder of exactly half a minor unit) goes to the even neighbour. Over
 *   millions of orders, ties round up as often as down, so neither the
 *   marketplace nor sellers gain a systematic half unit per tie.
 * - `half-up`: a tie rounds away from zero (we only round non-negative values),
 *   which is what people compute by hand; offered for schedules whose contract
 *   says so.
 * The fee schedule is snapshotted on the order at placement, so changing the
 * rule later never alters the fee of an existing order.
 */
import { assertNever, InvariantViolation, isCurrencyCode, isMinorUnits } from '../shared/index.ts';
import type { CurrencyCode, Money } from '../shared/index.ts';

export const ROUNDING_RULES = ['half-even', 'half-up'] as const;
export type RoundingRule = (typeof ROUNDING_RULES)[number];

export type FeeSchedule = Readonly<{
  id: string;
  /** 1 basis point = 0.01 %; an integer in [0, 10 000]. */
  rateBasisPoints: number;
  /** A fixed fee per order in minor units of `currency`. */
  fixedMinor: number;
  currency: CurrencyCode;
  rounding: RoundingRule;
}>;

export const BASIS_POINTS = 10_000;

export type FeeScheduleProblem = 'INVALID_FEE_SCHEDULE' | 'FEE_CURRENCY_MISMATCH';

/** Why a schedule cannot price `currency`, or null when it can. */
export const feeScheduleProblem = (schedule: FeeSchedule, currency: string): FeeScheduleProblem | null => {
  const valid =
    typeof schedule.id === 'string' &&
    schedule.id.length > 0 &&
    Number.isSafeInteger(schedule.rateBasisPoints) &&
    schedule.rateBasisPoints >= 0 &&
    schedule.rateBasisPoints <= BASIS_POINTS &&
    isMinorUnits(schedule.fixedMinor) &&
    isCurrencyCode(schedule.currency) &&
    (ROUNDING_RULES as readonly string[]).includes(schedule.rounding);
  if (!valid) return 'INVALID_FEE_SCHEDULE';
  if (schedule.currency !== currency) return 'FEE_CURRENCY_MISMATCH';
  return null;
};

/** `numerator / BASIS_POINTS` rounded by `rule`, for a non-negative numerator < 10^8. */
const roundBasisPoints = (numerator: number, rule: RoundingRule): number => {
  const quotient = Math.trunc(numerator / BASIS_POINTS);
  const twiceRemainder = 2 * (numerator - quotient * BASIS_POINTS);
  if (twiceRemainder < BASIS_POINTS) return quotient;
  if (twiceRemainder > BASIS_POINTS) return quotient + 1;
  switch (rule) {
    case 'half-up':
      return quotient + 1;
    case 'half-even':
      return quotient % 2 === 0 ? quotient : quotient + 1;
    default:
      return assertNever(rule, 'rounding rule');
  }
};

/** The percentage part alone: `gross × rate / 10 000`, rounded by the schedule's rule. */
export const percentageFeeMinor = (
  grossMinor: number,
  rateBasisPoints: number,
  rule: RoundingRule,
): number => {
  const whole = Math.trunc(grossMinor / BASIS_POINTS);
  const rest = grossMinor - whole * BASIS_POINTS;
  return whole * rateBasisPoints + roundBasisPoints(rest * rateBasisPoints, rule);
};

/**
 * The fee on `gross`, in the gross currency, clamped to [0, gross]. Callers
 * validate with `feeScheduleProblem` first (decide refuses with that code); an
 * invalid schedule or a negative/fractional gross here is a bug and throws.
 */
export const computeFee = (gross: Money, schedule: FeeSchedule): Money => {
  if (!isMinorUnits(gross.amount))
    throw new InvariantViolation(`gross is not minor units: ${JSON.stringify(gross)}`);
  const problem = feeScheduleProblem(schedule, gross.currency);
  if (problem !== null) throw new InvariantViolation(`${problem}: ${JSON.stringify(schedule)}`);
  const fee =
    percentageFeeMinor(gross.amount, schedule.rateBasisPoints, schedule.rounding) + schedule.fixedMinor;
  return { amount: Math.min(Math.max(fee, 0), gross.amount), currency: gross.currency };
};
