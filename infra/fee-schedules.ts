/**
 * The marketplace fee schedules in force, one per currency, from server
 * configuration (FEE_SCHEDULES): never from the buyer's request. `order.place`
 * snapshots the schedule of the order's currency on the order.
 */
import { feeScheduleProblem } from '../domain/fees/index.ts';
import type { FeeSchedule } from '../domain/fees/index.ts';
import { CURRENCY_EXPONENTS, isCurrencyCode } from '../domain/shared/money.ts';
import type { CurrencyCode } from '../domain/shared/money.ts';

export type FeeSchedules = Readonly<Record<CurrencyCode, FeeSchedule>>;

export const DEFAULT_FEE_SCHEDULE_ID = 'standard-2026';

/** 10 % of the order total, no fixed part, banker's rounding. */
export const defaultFeeSchedule = (currency: CurrencyCode): FeeSchedule => ({
  id: DEFAULT_FEE_SCHEDULE_ID,
  rateBasisPoints: 1000,
  fixedMinor: 0,
  currency,
  rounding: 'half-even',
});

const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[];

/** Every currency priced by `schedules` where listed, by the default schedule otherwise. */
export const feeSchedulesFrom = (schedules: readonly FeeSchedule[]): FeeSchedules => {
  const byCurrency = new Map(schedules.map((s) => [s.currency, s]));
  return Object.fromEntries(
    CURRENCIES.map((currency) => [currency, byCurrency.get(currency) ?? defaultFeeSchedule(currency)]),
  ) as FeeSchedules;
};

const FIELDS = ['id', 'rateBasisPoints', 'fixedMinor', 'currency', 'rounding'];

/** The id travels in `seller.release-escrow`, whose schema takes ids of this shape (commands/definitions/schemas.ts). */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;

/**
 * FEE_SCHEDULES: a JSON array of fee schedules, at most one per currency;
 * currencies it does not list keep the default. Unset or empty: the default
 * for every currency.
 */
export const parseFeeSchedules = (
  text: string | undefined,
): Readonly<{ ok: true; schedules: FeeSchedules }> | Readonly<{ ok: false; message: string }> => {
  if (text === undefined || text.trim() === '') return { ok: true, schedules: feeSchedulesFrom([]) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, message: 'FEE_SCHEDULES must be a JSON array of fee schedules' };
  }
  if (!Array.isArray(parsed)) return { ok: false, message: 'FEE_SCHEDULES must be a JSON array' };
  const schedules: FeeSchedule[] = [];
  for (const [i, entry] of (parsed as unknown[]).entries()) {
    const where = `FEE_SCHEDULES[${String(i)}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return { ok: false, message: `${where} must be an object` };
    const keys = Object.keys(entry).sort();
    if (keys.join() !== [...FIELDS].sort().join())
      return { ok: false, message: `${where} must have exactly the fields ${FIELDS.join(', ')}` };
    const schedule = entry as FeeSchedule;
    if (typeof schedule.currency !== 'string' || !isCurrencyCode(schedule.currency))
      return { ok: false, message: `${where}.currency is not a known currency` };
    if (typeof schedule.id !== 'string' || !SCHEDULE_ID.test(schedule.id))
      return {
        ok: false,
        message: `${where}.id must be 1–100 of A-Za-z0-9_.:@- starting with a letter or digit`,
      };
    if (feeScheduleProblem(schedule, schedule.currency) !== null)
      return {
        ok: false,
        message: `${where} is invalid: rateBasisPoints an integer in [0, 10000], fixedMinor a whole number ≥ 0, rounding half-even or half-up`,
      };
    if (schedules.some((s) => s.currency === schedule.currency))
      return { ok: false, message: `FEE_SCHEDULES lists ${schedule.currency} twice` };
    schedules.push({
      id: schedule.id,
      rateBasisPoints: schedule.rateBasisPoints,
      fixedMinor: schedule.fixedMinor,
      currency: schedule.currency,
      rounding: schedule.rounding,
    });
  }
  return { ok: true, schedules: feeSchedulesFrom(schedules) };
};
