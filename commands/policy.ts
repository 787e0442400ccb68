import type { FeeSchedule } from '../domain/fees/index.ts';
import type { CurrencyCode } from '../domain/shared/money.ts';
import type { Config, WindowsConfig } from '../infra/config.ts';
import { feeSchedulesFrom } from '../infra/fee-schedules.ts';
import type { FeeSchedules } from '../infra/fee-schedules.ts';

/**
 * Business policy that comes from the server, never from the request: the fee
 * schedule an order snapshots, the seller's time to answer a cancellation, the
 * buyer's return window. Command definitions receive it in `toCommand`, so the
 * same request is decided under whatever the operator configured, and a
 * client cannot send its own 0 % fee or a longer window.
 */
export type CommandPolicy = Readonly<{
  /** The schedule in force per currency (FEE_SCHEDULES). */
  feeSchedules: FeeSchedules;
  windows: Pick<WindowsConfig, 'cancellationAnswerMs' | 'returnMs'>;
}>;

export const commandPolicyOf = (config: Pick<Config, 'feeSchedules' | 'windows'>): CommandPolicy => ({
  feeSchedules: config.feeSchedules,
  windows: {
    cancellationAnswerMs: config.windows.cancellationAnswerMs,
    returnMs: config.windows.returnMs,
  },
});

const DAY = 86_400_000;

/**
 * A policy spelled out, for tests and tools: `schedules` for their currencies,
 * the default schedule for the others; the documented default windows unless given.
 */
export const commandPolicy = (
  schedules: readonly FeeSchedule[] = [],
  windows: Partial<CommandPolicy['windows']> = {},
): CommandPolicy => ({
  feeSchedules: feeSchedulesFrom(schedules),
  windows: { cancellationAnswerMs: 2 * DAY, returnMs: 14 * DAY, ...windows },
});

export const feeScheduleFor = (policy: CommandPolicy, currency: CurrencyCode): FeeSchedule =>
  policy.feeSchedules[currency];
