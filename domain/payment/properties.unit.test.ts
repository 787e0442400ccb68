import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, isMinorUnits } from '../shared/index.ts';
import type { CurrencyCode, Money } from '../shared/index.ts';
import { amounts, paymentDecider } from './index.ts';
import type { PaymentCommand, PaymentEvent, PaymentState } from './index.ts';

// A small world, so random sequences often repeat provider event ids and refund
// ids and often reach the capture, void and refund rules.
const paymentId = 'pay-1';
const TOTAL = 1_000;
const arbAt = fc.oneof(
  { arbitrary: fc.constantFrom('2025-03-01T10:00:00.000Z', '2025-03-01T10:05:00Z'), weight: 8 },
  { arbitrary: fc.constant('later'), weight: 1 },
);
const arbMoney: fc.Arbitrary<Money> = fc.record({
  amount: fc.oneof(
    { arbitrary: fc.constantFrom(TOTAL, 600, 400, 250, 100, 1), weight: 8 },
    { arbitrary: fc.constantFrom(0, -1, 1.5, TOTAL + 1, Number.NaN), weight: 1 },
  ),
  currency: fc.oneof(
    { arbitrary: fc.constant<CurrencyCode>('EUR'), weight: 8 },
    { arbitrary: fc.constant<CurrencyCode>('USD'), weight: 1 },
  ),
});
const arbOutcome = fc.oneof(
  { arbitrary: fc.constant('succeeded' as const), weight: 3 },
  { arbitrary: fc.constant('failed' as const), weight: 1 },
);
const arbReport = fc.record({
  providerEventId: fc.constantFrom('e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6', 'e-7', 'e-8', ''),
  providerReference: fc.constantFrom('pi_1', 'pi_1', ''),
});
const arbRefundId = fc.constantFrom('r-1', 'r-2', 'r-3', '');

const arbCommand: fc.Arbitrary<PaymentCommand> = fc.oneof(
  fc
    .record({ orderId: fc.constantFrom('o-1', 'o-1', 'o-2'), amount: arbMoney, at: arbAt })
    .map((d): PaymentCommand => ({ type: 'StartPayment', data: { paymentId, ...d } })),
  fc
    .record({ report: arbReport, outcome: arbOutcome, amount: arbMoney, at: arbAt })
    .map(({ report, ...d }): PaymentCommand => ({
      type: 'RecordAuthorization',
      data: { paymentId, ...report, ...d },
    })),
  fc
    .record({ amount: arbMoney, at: arbAt })
    .map((d): PaymentCommand => ({ type: 'RequestCapture', data: { paymentId, ...d } })),
  fc
    .record({ report: arbReport, outcome: arbOutcome, amount: arbMoney, at: arbAt })
    .map(({ report, ...d }): PaymentCommand => ({
      type: 'RecordCapture',
      data: { paymentId, ...report, ...d },
    })),
  arbAt.map((at): PaymentCommand => ({ type: 'RequestVoid', data: { paymentId, reason: 'expired', at } })),
  fc
    .record({ report: arbReport, outcome: arbOutcome, at: arbAt })
    .map(({ report, ...d }): PaymentCommand => ({
      type: 'RecordVoid',
      data: { paymentId, ...report, ...d },
    })),
  fc
    .record({ refundId: arbRefundId, amount: arbMoney, at: arbAt })
    .map((d): PaymentCommand => ({ type: 'RequestRefund', data: { paymentId, reason: 'cancelled', ...d } })),
  fc
    .record({ report: arbReport, refundId: arbRefundId, outcome: arbOutcome, amount: arbMoney, at: arbAt })
    .map(({ report, ...d }): PaymentCommand => ({
      type: 'RecordRefund',
      data: { paymentId, ...report, ...d },
    })),
);

/**
 * Most sequences begin somewhere along the model flow (started, authorized,
 * captured), so the later rules get exercised as often as the early ones.
 */
const T0 = '2025-03-01T10:00:00.000Z';
const eur = (amount: number): Money => ({ amount, currency: 'EUR' });
const report = (providerEventId: string) => ({ providerEventId, providerReference: 'pi_1' });
const modelFlow: readonly PaymentCommand[] = [
  { type: 'StartPayment', data: { paymentId, orderId: 'o-1', amount: eur(TOTAL), at: T0 } },
  {
    type: 'RecordAuthorization',
    data: { paymentId, ...report('e-1'), outcome: 'succeeded', amount: eur(TOTAL), at: T0 },
  },
  { type: 'RequestCapture', data: { paymentId, amount: eur(TOTAL), at: T0 } },
  {
    type: 'RecordCapture',
    data: { paymentId, ...report('e-2'), outcome: 'succeeded', amount: eur(TOTAL), at: T0 },
  },
];
const arbCommands = fc
  .tuple(fc.integer({ min: 0, max: modelFlow.length }), fc.array(arbCommand, { maxLength: 40 }))
  .map(([steps, rest]): PaymentCommand[] => [...modelFlow.slice(0, steps), ...rest]);

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

const invariants = (state: PaymentState): void => {
  if (state.status === 'none') return;
  const { authorizedMinor, capturedMinor, refundedMinor, pendingCaptureMinor, pendingRefundMinor } = state;
  for (const amount of [
    authorizedMinor,
    capturedMinor,
    refundedMinor,
    pendingCaptureMinor,
    pendingRefundMinor,
  ])
    expect(isMinorUnits(amount)).toBe(true);
  expect(authorizedMinor).toBeLessThanOrEqual(state.amountMinor);
  expect(capturedMinor).toBeLessThanOrEqual(authorizedMinor);
  expect(refundedMinor + pendingRefundMinor).toBeLessThanOrEqual(capturedMinor);
  expect(pendingCaptureMinor).toBeLessThanOrEqual(authorizedMinor - capturedMinor);
  // refunded is the sum of succeeded refunds, pending the sum of those in flight
  expect(sum(state.refunds.filter((r) => r.status === 'succeeded').map((r) => r.amountMinor))).toBe(
    refundedMinor,
  );
  expect(sum(state.refunds.filter((r) => r.status === 'requested').map((r) => r.amountMinor))).toBe(
    pendingRefundMinor,
  );
  expect(new Set(state.providerEventIds).size).toBe(state.providerEventIds.length);
  if (state.status === 'voided') expect(capturedMinor).toBe(0);
};

const currencyOf = (event: PaymentEvent): string | null =>
  'currency' in event.data ? event.data.currency : null;

type Run = { state: PaymentState; history: PaymentEvent[] };

/** Decides and folds every command; checks the invariants and the per-step rules on the way. */
const run = (commands: readonly PaymentCommand[]): Run => {
  let state = paymentDecider.initialState();
  const history: PaymentEvent[] = [];
  for (const command of commands) {
    const before = state;
    const decision = paymentDecider.decide(command, state);
    if (!decision.ok) continue;
    for (const event of decision.events) state = paymentDecider.evolve(state, event); // never throws
    history.push(...decision.events);
    invariants(state);

    // nothing changes after a void
    if (before.status === 'voided') {
      expect(decision.events).toEqual([]);
      expect(state).toBe(before);
    }
    // a provider event id already recorded changes nothing
    if ('providerEventId' in command.data && before.status !== 'none')
      if (before.providerEventIds.includes(command.data.providerEventId)) expect(decision.events).toEqual([]);
    // captured and refunded only grow
    expect(amounts(state).captured).toBeGreaterThanOrEqual(amounts(before).captured);
    expect(amounts(state).refunded).toBeGreaterThanOrEqual(amounts(before).refunded);
    // every accepted command, delivered again at once, is a no-op
    expect(paymentDecider.decide(command, state)).toEqual({ ok: true, events: [] });
  }
  return { state, history };
};

describe('payment properties', () => {
  it('any command sequence keeps captured ≤ authorized, refunded ≤ captured, one currency; nothing after void', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { state, history } = run(commands);
        const currencies = new Set(history.map(currencyOf).filter((c) => c !== null));
        expect(currencies.size).toBeLessThanOrEqual(1);
        const voidedAt = history.findIndex((e) => e.type === 'PaymentVoided');
        if (voidedAt !== -1) expect(history.length).toBe(voidedAt + 1);
        // the running totals the events carry match the folded amounts
        const captures = history.flatMap((e) => (e.type === 'PaymentCaptured' ? [e] : []));
        const refunds = history.flatMap((e) => (e.type === 'PaymentRefunded' ? [e] : []));
        expect(captures.at(-1)?.data.capturedTotalMinor ?? 0).toBe(amounts(state).captured);
        expect(refunds.at(-1)?.data.refundedTotalMinor ?? 0).toBe(amounts(state).refunded);
        expect(sum(refunds.map((e) => e.data.amountMinor))).toBe(amounts(state).refunded);
      }),
      { numRuns: 500 },
    );
  });

  it('replaying a history decide produced gives the same state, twice and after a JSON round trip', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { state, history } = run(commands);
        expect(fold(paymentDecider, history)).toEqual(state);
        expect(fold(paymentDecider, history)).toEqual(fold(paymentDecider, history));
        const stored = JSON.parse(JSON.stringify(history)) as PaymentEvent[];
        expect(stored).toEqual(history);
        expect(fold(paymentDecider, stored)).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('the generator reaches captures, refunds and voids', () => {
    const histories = fc
      .sample(arbCommands, { numRuns: 300, seed: 42 })
      .map((commands) => run(commands).history);
    const types = new Set(histories.flat().map((e) => e.type));
    for (const type of [
      'PaymentCaptured',
      'PaymentRefunded',
      'PaymentVoided',
      'RefundFailed',
      'CaptureRequested',
    ])
      expect(types).toContain(type);
  });
});
