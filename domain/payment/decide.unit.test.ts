import { describe, expect, it } from 'vitest';
import { fold, InvariantViolation } from '../shared/index.ts';
import type { Money } from '../shared/index.ts';
import { spec } from '../shared/spec.ts';
import { amounts, category, PAYMENT_ERROR_CODES, paymentDecider, streamId } from './index.ts';
import type {
  PaymentCommand,
  PaymentEvent,
  RecordAuthorization,
  RecordCapture,
  RecordRefund,
  RecordVoid,
  RequestRefund,
} from './index.ts';

const T0 = '2025-03-01T10:00:00.000Z';
const T1 = '2025-03-01T10:00:05.000Z';
const T2 = '2025-03-01T10:00:10.000Z';
const P = 'pay-1';
const O = 'o-1';
const TOTAL = 10_000;
const REF = 'pi_123';
const eur = (amount: number): Money => ({ amount, currency: 'EUR' });
const ids = { paymentId: P, orderId: O };

// --- events ---------------------------------------------------------------------

const started: PaymentEvent = {
  type: 'PaymentStarted',
  data: { ...ids, amountMinor: TOTAL, currency: 'EUR', startedAt: T0 },
};
const authorized = (amountMinor = TOTAL, providerEventId = 'evt-auth'): PaymentEvent => ({
  type: 'PaymentAuthorized',
  data: {
    providerEventId,
    providerReference: REF,
    ...ids,
    amountMinor,
    currency: 'EUR',
    authorizedAt: T1,
  },
});
const captureRequested = (amountMinor = TOTAL): PaymentEvent => ({
  type: 'CaptureRequested',
  data: { ...ids, amountMinor, currency: 'EUR', requestedAt: T1 },
});
const captured = (
  amountMinor = TOTAL,
  capturedTotalMinor = amountMinor,
  providerEventId = 'evt-cap',
): PaymentEvent => ({
  type: 'PaymentCaptured',
  data: {
    providerEventId,
    providerReference: REF,
    ...ids,
    amountMinor,
    currency: 'EUR',
    capturedTotalMinor,
    capturedAt: T2,
  },
});
const voidRequested: PaymentEvent = {
  type: 'VoidRequested',
  data: { ...ids, reason: 'order expired', requestedAt: T1 },
};
const voidedEvent = (providerEventId = 'evt-void'): PaymentEvent => ({
  type: 'PaymentVoided',
  data: { providerEventId, providerReference: REF, ...ids, voidedAt: T2 },
});
const refundRequested = (refundId = 'r-1', amountMinor = 4_000): PaymentEvent => ({
  type: 'RefundRequested',
  data: { ...ids, refundId, amountMinor, currency: 'EUR', reason: 'cancelled', requestedAt: T2 },
});
const refunded = (
  refundId = 'r-1',
  amountMinor = 4_000,
  refundedTotalMinor = amountMinor,
  providerEventId = `evt-${refundId}`,
): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: {
    providerEventId,
    providerReference: REF,
    ...ids,
    refundId,
    amountMinor,
    currency: 'EUR',
    refundedTotalMinor,
    refundedAt: T2,
  },
});
const refundFailed = (
  refundId = 'r-1',
  amountMinor = 4_000,
  providerEventId = `evt-${refundId}-f`,
): PaymentEvent => ({
  type: 'RefundFailed',
  data: {
    providerEventId,
    providerReference: REF,
    ...ids,
    refundId,
    amountMinor,
    reason: 'card closed',
    failedAt: T2,
  },
});

/** The model flow: started, authorized in full, captured in full at purchase. */
const paid: readonly PaymentEvent[] = [started, authorized(), captureRequested(), captured()];
const authorizedOnly: readonly PaymentEvent[] = [started, authorized()];
const voided: readonly PaymentEvent[] = [started, authorized(), voidRequested, voidedEvent()];

// --- commands -------------------------------------------------------------------

const start = (
  overrides: Partial<Extract<PaymentCommand, { type: 'StartPayment' }>['data']> = {},
): PaymentCommand => ({
  type: 'StartPayment',
  data: { ...ids, amount: eur(TOTAL), at: T0, ...overrides },
});
const recordAuthorization = (overrides: Partial<RecordAuthorization['data']> = {}): PaymentCommand => ({
  type: 'RecordAuthorization',
  data: {
    paymentId: P,
    providerEventId: 'evt-auth',
    providerReference: REF,
    outcome: 'succeeded',
    amount: eur(TOTAL),
    at: T1,
    ...overrides,
  },
});
const requestCapture = (amount = TOTAL, currency: Money['currency'] = 'EUR'): PaymentCommand => ({
  type: 'RequestCapture',
  data: { paymentId: P, amount: { amount, currency }, at: T1 },
});
const recordCapture = (overrides: Partial<RecordCapture['data']> = {}): PaymentCommand => ({
  type: 'RecordCapture',
  data: {
    paymentId: P,
    providerEventId: 'evt-cap',
    providerReference: REF,
    outcome: 'succeeded',
    amount: eur(TOTAL),
    at: T2,
    ...overrides,
  },
});
const requestVoid: PaymentCommand = {
  type: 'RequestVoid',
  data: { paymentId: P, reason: 'order expired', at: T1 },
};
const recordVoid = (overrides: Partial<RecordVoid['data']> = {}): PaymentCommand => ({
  type: 'RecordVoid',
  data: {
    paymentId: P,
    providerEventId: 'evt-void',
    providerReference: REF,
    outcome: 'succeeded',
    at: T2,
    ...overrides,
  },
});
const requestRefund = (overrides: Partial<RequestRefund['data']> = {}): PaymentCommand => ({
  type: 'RequestRefund',
  data: { paymentId: P, refundId: 'r-1', amount: eur(4_000), reason: 'cancelled', at: T2, ...overrides },
});
const recordRefund = (overrides: Partial<RecordRefund['data']> = {}): PaymentCommand => ({
  type: 'RecordRefund',
  data: {
    paymentId: P,
    providerEventId: 'evt-r-1',
    providerReference: REF,
    refundId: 'r-1',
    outcome: 'succeeded',
    amount: eur(4_000),
    at: T2,
    ...overrides,
  },
});

const payment = spec(paymentDecider);

describe('payment stream', () => {
  it('is named payment-<id>', () => {
    expect(category).toBe('payment');
    expect(streamId('pay-1')).toBe('payment-pay-1');
  });
  it('lists its error codes once each', () => {
    expect(new Set(PAYMENT_ERROR_CODES).size).toBe(PAYMENT_ERROR_CODES.length);
  });
});

describe('any command', () => {
  it('is refused when at is not an ISO instant', () => {
    payment
      .given([])
      .when(start({ at: 'now' }))
      .thenRefused('INVALID_INSTANT');
    payment
      .given(paid)
      .when(recordRefund({ at: '2025-03-01' }))
      .thenRefused('INVALID_INSTANT');
  });
  it('is refused without a payment id', () => {
    payment
      .given([])
      .when(start({ paymentId: '' }))
      .thenRefused('INVALID_ID');
  });
  it('is refused before StartPayment', () => {
    for (const command of [
      recordAuthorization(),
      requestCapture(),
      recordCapture(),
      requestVoid,
      recordVoid(),
      requestRefund(),
      recordRefund(),
    ])
      payment.given([]).when(command).thenRefused('PAYMENT_NOT_STARTED');
  });
  it('is refused when sent to another payment', () => {
    payment
      .given(paid)
      .when({ type: 'RequestVoid', data: { paymentId: 'pay-2', reason: 'x', at: T1 } })
      .thenRefused('PAYMENT_ID_MISMATCH');
  });
});

describe('StartPayment', () => {
  it('opens the payment for an order with its amount and currency', () => {
    payment.given([]).when(start()).then([started]);
  });
  it('is a no-op when repeated with the same content, whatever happened since', () => {
    payment.given([started]).when(start()).thenNothing();
    payment
      .given(paid)
      .when(start({ at: T2 }))
      .thenNothing();
    payment.given(voided).when(start()).thenNothing();
  });
  it('is refused when the payment exists with another order, amount or currency', () => {
    payment
      .given([started])
      .when(start({ orderId: 'o-2' }))
      .thenRefused('PAYMENT_ALREADY_STARTED');
    payment
      .given([started])
      .when(start({ amount: eur(9_999) }))
      .thenRefused('PAYMENT_ALREADY_STARTED');
    payment
      .given([started])
      .when(start({ amount: { amount: TOTAL, currency: 'USD' } }))
      .thenRefused('PAYMENT_ALREADY_STARTED');
  });
  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 10.5],
    ['unsafe', Number.MAX_SAFE_INTEGER + 1],
    ['NaN', Number.NaN],
  ])('refuses a %s amount', (_name, amount) => {
    payment
      .given([])
      .when(start({ amount: eur(amount) }))
      .thenRefused('INVALID_AMOUNT');
  });
  it('refuses an unknown currency and a missing order id', () => {
    const amount = { amount: 100, currency: 'XXX' } as unknown as Money;
    payment.given([]).when(start({ amount })).thenRefused('INVALID_CURRENCY');
    payment
      .given([])
      .when(start({ orderId: '' }))
      .thenRefused('INVALID_ID');
  });
});

describe('RecordAuthorization', () => {
  it('records a succeeded authorization as an amount', () => {
    const decision = payment.given([started]).when(recordAuthorization()).then([authorized()]);
    expect(decision.ok && amounts(fold(paymentDecider, [started, ...decision.events])).authorized).toBe(
      TOTAL,
    );
  });
  it('adds up incremental authorizations to at most the payment amount', () => {
    payment
      .given([started, authorized(6_000)])
      .when(recordAuthorization({ providerEventId: 'evt-auth-2', amount: eur(4_000) }))
      .then([authorized(4_000, 'evt-auth-2')]);
    payment
      .given([started, authorized(6_000)])
      .when(recordAuthorization({ providerEventId: 'evt-auth-2', amount: eur(4_001) }))
      .thenRefused('AUTHORIZATION_EXCEEDS_AMOUNT');
    payment
      .given([started])
      .when(recordAuthorization({ amount: eur(TOTAL + 1) }))
      .thenRefused('AUTHORIZATION_EXCEEDS_AMOUNT');
  });
  it('records a failure without changing any amount, with the reason or a default one', () => {
    payment
      .given([started])
      .when(recordAuthorization({ outcome: 'failed', reason: 'insufficient funds' }))
      .then([
        {
          type: 'AuthorizationFailed',
          data: {
            providerEventId: 'evt-auth',
            providerReference: REF,
            ...ids,
            reason: 'insufficient funds',
            failedAt: T1,
          },
        },
      ]);
    const { amount: _amount, ...withoutAmount } = recordAuthorization({ outcome: 'failed' })
      .data as RecordAuthorization['data'];
    const decision = payment
      .given([started])
      .when({ type: 'RecordAuthorization', data: withoutAmount })
      .then([
        {
          type: 'AuthorizationFailed',
          data: {
            providerEventId: 'evt-auth',
            providerReference: REF,
            ...ids,
            reason: 'not given by the provider',
            failedAt: T1,
          },
        },
      ]);
    expect(decision.ok && amounts(fold(paymentDecider, [started, ...decision.events]))).toMatchObject({
      authorized: 0,
    });
  });
  it('accepts a success after a failure (the buyer retried)', () => {
    const failed: PaymentEvent = {
      type: 'AuthorizationFailed',
      data: { providerEventId: 'evt-auth-0', providerReference: REF, ...ids, reason: '3DS', failedAt: T0 },
    };
    payment.given([started, failed]).when(recordAuthorization()).then([authorized()]);
  });
  it('is a no-op for a provider event already recorded', () => {
    payment.given(authorizedOnly).when(recordAuthorization()).thenNothing();
    payment.given(voided).when(recordAuthorization()).thenNothing();
  });
  it('is refused once voided', () => {
    payment
      .given(voided)
      .when(recordAuthorization({ providerEventId: 'evt-late' }))
      .thenRefused('PAYMENT_VOIDED');
  });
  it('refuses a success without an amount, in another currency, or a malformed report', () => {
    const { amount: _amount, ...withoutAmount } = recordAuthorization().data as RecordAuthorization['data'];
    payment
      .given([started])
      .when({ type: 'RecordAuthorization', data: withoutAmount })
      .thenRefused('INVALID_AMOUNT');
    payment
      .given([started])
      .when(recordAuthorization({ amount: { amount: TOTAL, currency: 'USD' } }))
      .thenRefused('CURRENCY_MISMATCH');
    payment
      .given([started])
      .when(recordAuthorization({ providerEventId: '' }))
      .thenRefused('INVALID_ID');
    payment
      .given([started])
      .when(recordAuthorization({ providerReference: '' }))
      .thenRefused('INVALID_ID');
    payment
      .given([started])
      .when(recordAuthorization({ outcome: 'pending' as unknown as 'failed' }))
      .thenRefused('INVALID_OUTCOME');
  });
});

describe('RequestCapture', () => {
  it('asks for a capture within what is authorized', () => {
    payment.given(authorizedOnly).when(requestCapture()).then([captureRequested()]);
    payment
      .given(authorizedOnly)
      .when(requestCapture(2_500))
      .then([captureRequested(2_500)]);
  });
  it('is a no-op for the same amount while that capture is in flight', () => {
    payment
      .given([...authorizedOnly, captureRequested()])
      .when(requestCapture())
      .thenNothing();
  });
  it('is refused for another amount while a capture is in flight', () => {
    payment
      .given([...authorizedOnly, captureRequested(2_500)])
      .when(requestCapture(1_000))
      .thenRefused('CAPTURE_PENDING');
  });
  it('is refused beyond what is authorized and not yet captured', () => {
    payment
      .given(authorizedOnly)
      .when(requestCapture(TOTAL + 1))
      .thenRefused('CAPTURE_EXCEEDS_AUTHORIZED');
    payment.given(paid).when(requestCapture(1)).thenRefused('CAPTURE_EXCEEDS_AUTHORIZED');
    payment
      .given([started, authorized(), captured(6_000)])
      .when(requestCapture(4_000))
      .then([captureRequested(4_000)]);
  });
  it('is refused before any authorization', () => {
    payment.given([started]).when(requestCapture()).thenRefused('NOT_AUTHORIZED');
  });
  it('is refused while a void is in flight, and once voided', () => {
    payment
      .given([...authorizedOnly, voidRequested])
      .when(requestCapture())
      .thenRefused('VOID_PENDING');
    payment.given(voided).when(requestCapture()).thenRefused('PAYMENT_VOIDED');
  });
  it('refuses a bad amount or another currency', () => {
    payment.given(authorizedOnly).when(requestCapture(0)).thenRefused('INVALID_AMOUNT');
    payment.given(authorizedOnly).when(requestCapture(TOTAL, 'USD')).thenRefused('CURRENCY_MISMATCH');
  });
});

describe('RecordCapture', () => {
  it('settles the capture in flight', () => {
    const decision = payment
      .given([...authorizedOnly, captureRequested()])
      .when(recordCapture())
      .then([captured()]);
    expect(decision.ok && amounts(fold(paymentDecider, [...paid]))).toMatchObject({
      captured: TOTAL,
      pendingCapture: 0,
      capturable: 0,
      refundable: TOTAL,
    });
  });
  it('accepts a capture without a request (authorize and capture in one step) within what is authorized', () => {
    payment.given(authorizedOnly).when(recordCapture()).then([captured()]);
    payment
      .given(authorizedOnly)
      .when(recordCapture({ amount: eur(TOTAL + 1) }))
      .thenRefused('CAPTURE_EXCEEDS_AUTHORIZED');
  });
  it('adds partial captures up, never beyond what is authorized', () => {
    payment
      .given([started, authorized(), captured(6_000)])
      .when(recordCapture({ providerEventId: 'evt-cap-2', amount: eur(4_000) }))
      .then([captured(4_000, TOTAL, 'evt-cap-2')]);
    payment
      .given([started, authorized(), captured(6_000)])
      .when(recordCapture({ providerEventId: 'evt-cap-2', amount: eur(4_001) }))
      .thenRefused('CAPTURE_EXCEEDS_AUTHORIZED');
  });
  it('records a failure without changing any amount; the capture is no longer in flight', () => {
    const failed: PaymentEvent = {
      type: 'CaptureFailed',
      data: {
        providerEventId: 'evt-cap',
        providerReference: REF,
        ...ids,
        amountMinor: TOTAL,
        reason: 'expired',
        failedAt: T2,
      },
    };
    payment
      .given([...authorizedOnly, captureRequested()])
      .when(recordCapture({ outcome: 'failed', reason: 'expired' }))
      .then([failed]);
    const state = fold(paymentDecider, [...authorizedOnly, captureRequested(), failed]);
    expect(amounts(state)).toMatchObject({
      authorized: TOTAL,
      captured: 0,
      pendingCapture: 0,
      capturable: TOTAL,
    });
  });
  it('is a no-op for a provider event already recorded', () => {
    payment.given(paid).when(recordCapture()).thenNothing();
  });
  it('is refused before any authorization and once voided', () => {
    payment.given([started]).when(recordCapture()).thenRefused('NOT_AUTHORIZED');
    payment.given(voided).when(recordCapture()).thenRefused('PAYMENT_VOIDED');
    payment
      .given(voided)
      .when(recordCapture({ outcome: 'failed' }))
      .thenRefused('PAYMENT_VOIDED');
  });
  it('refuses a bad amount, another currency or a malformed report', () => {
    payment
      .given(authorizedOnly)
      .when(recordCapture({ amount: eur(-5) }))
      .thenRefused('INVALID_AMOUNT');
    payment
      .given(authorizedOnly)
      .when(recordCapture({ amount: { amount: TOTAL, currency: 'GBP' } }))
      .thenRefused('CURRENCY_MISMATCH');
    payment
      .given(authorizedOnly)
      .when(recordCapture({ providerEventId: '' }))
      .thenRefused('INVALID_ID');
  });
});

describe('RequestVoid', () => {
  it('asks to give up an authorization with nothing captured', () => {
    payment.given(authorizedOnly).when(requestVoid).then([voidRequested]);
  });
  it('is a no-op while a void is in flight and once voided', () => {
    payment
      .given([...authorizedOnly, voidRequested])
      .when(requestVoid)
      .thenNothing();
    payment.given(voided).when(requestVoid).thenNothing();
  });
  it('is refused once something is captured (refund instead)', () => {
    payment.given(paid).when(requestVoid).thenRefused('PAYMENT_CAPTURED');
  });
  it('is refused while a capture is in flight, and before any authorization', () => {
    payment
      .given([...authorizedOnly, captureRequested()])
      .when(requestVoid)
      .thenRefused('CAPTURE_PENDING');
    payment.given([started]).when(requestVoid).thenRefused('NOT_AUTHORIZED');
  });
});

describe('RecordVoid', () => {
  it('voids: the authorization is given up and nothing more happens', () => {
    payment
      .given([...authorizedOnly, voidRequested])
      .when(recordVoid())
      .then([voidedEvent()]);
    expect(amounts(fold(paymentDecider, voided))).toMatchObject({
      authorized: TOTAL,
      voided: TOTAL,
      capturable: 0,
    });
  });
  it('accepts a void the provider made on its own', () => {
    payment.given(authorizedOnly).when(recordVoid()).then([voidedEvent()]);
  });
  it('records a failure; the void is no longer in flight', () => {
    const failed: PaymentEvent = {
      type: 'VoidFailed',
      data: { providerEventId: 'evt-void', providerReference: REF, ...ids, reason: 'too late', failedAt: T2 },
    };
    payment
      .given([...authorizedOnly, voidRequested])
      .when(recordVoid({ outcome: 'failed', reason: 'too late' }))
      .then([failed]);
    payment
      .given([...authorizedOnly, voidRequested, failed])
      .when(requestCapture())
      .then([captureRequested()]);
  });
  it('is a no-op for a recorded provider event, or another success report once voided', () => {
    payment.given(voided).when(recordVoid()).thenNothing();
    payment
      .given(voided)
      .when(recordVoid({ providerEventId: 'evt-void-2' }))
      .thenNothing();
  });
  it('is refused when it contradicts the history', () => {
    payment
      .given(voided)
      .when(recordVoid({ providerEventId: 'evt-void-2', outcome: 'failed' }))
      .thenRefused('PAYMENT_VOIDED');
    payment.given(paid).when(recordVoid()).thenRefused('PAYMENT_CAPTURED');
    payment.given([started]).when(recordVoid()).thenRefused('NOT_AUTHORIZED');
    payment
      .given(authorizedOnly)
      .when(recordVoid({ providerReference: '' }))
      .thenRefused('INVALID_ID');
  });
});

describe('RequestRefund', () => {
  it('asks for a partial refund of what is captured', () => {
    payment.given(paid).when(requestRefund()).then([refundRequested()]);
  });
  it('allows several partial refunds, each under its own id, up to what is captured', () => {
    const history = [...paid, refundRequested('r-1', 4_000), refunded('r-1', 4_000)];
    payment
      .given(history)
      .when(requestRefund({ refundId: 'r-2', amount: eur(6_000) }))
      .then([refundRequested('r-2', 6_000)]);
    payment
      .given(history)
      .when(requestRefund({ refundId: 'r-2', amount: eur(6_001) }))
      .thenRefused('REFUND_EXCEEDS_CAPTURED');
  });
  it('counts refunds in flight against what is captured', () => {
    payment
      .given([...paid, refundRequested('r-1', 4_000)])
      .when(requestRefund({ refundId: 'r-2', amount: eur(6_001) }))
      .thenRefused('REFUND_EXCEEDS_CAPTURED');
  });
  it('is a no-op for a known refund id with the same amount, whatever its outcome', () => {
    payment
      .given([...paid, refundRequested()])
      .when(requestRefund())
      .thenNothing();
    payment
      .given([...paid, refundRequested(), refunded()])
      .when(requestRefund())
      .thenNothing();
    payment
      .given([...paid, refundRequested(), refundFailed()])
      .when(requestRefund())
      .thenNothing();
  });
  it('is refused for a known refund id with another amount', () => {
    payment
      .given([...paid, refundRequested()])
      .when(requestRefund({ amount: eur(1) }))
      .thenRefused('REFUND_ID_CONFLICT');
  });
  it('is refused with nothing captured, once voided, or with bad input', () => {
    payment.given(authorizedOnly).when(requestRefund()).thenRefused('NOT_CAPTURED');
    payment.given(voided).when(requestRefund()).thenRefused('PAYMENT_VOIDED');
    payment
      .given(paid)
      .when(requestRefund({ refundId: '' }))
      .thenRefused('INVALID_ID');
    payment
      .given(paid)
      .when(requestRefund({ amount: eur(0) }))
      .thenRefused('INVALID_AMOUNT');
    payment
      .given(paid)
      .when(requestRefund({ amount: { amount: 1, currency: 'JPY' } }))
      .thenRefused('CURRENCY_MISMATCH');
  });
});

describe('RecordRefund', () => {
  it('settles a requested refund: refunded is the sum of succeeded refunds', () => {
    payment
      .given([...paid, refundRequested()])
      .when(recordRefund())
      .then([refunded()]);
    const history = [
      ...paid,
      refundRequested('r-1', 4_000),
      refunded('r-1', 4_000),
      refundRequested('r-2', 6_000),
    ];
    payment
      .given(history)
      .when(recordRefund({ refundId: 'r-2', providerEventId: 'evt-r-2', amount: eur(6_000) }))
      .then([refunded('r-2', 6_000, TOTAL)]);
    expect(amounts(fold(paymentDecider, [...history, refunded('r-2', 6_000, TOTAL)]))).toMatchObject({
      captured: TOTAL,
      refunded: TOTAL,
      refundable: 0,
      pendingRefund: 0,
    });
  });
  it('accepts a refund the provider made on its own, within what is captured and not refunded or asked for', () => {
    payment.given(paid).when(recordRefund()).then([refunded()]);
    payment
      .given([...paid, refundRequested('r-1', 4_000)])
      .when(recordRefund({ refundId: 'r-9', providerEventId: 'evt-r-9', amount: eur(6_001) }))
      .thenRefused('REFUND_EXCEEDS_CAPTURED');
    payment.given(authorizedOnly).when(recordRefund()).thenRefused('NOT_CAPTURED');
  });
  it('records a failure without changing any amount; the refund is no longer in flight', () => {
    payment
      .given([...paid, refundRequested()])
      .when(recordRefund({ providerEventId: 'evt-r-1-f', outcome: 'failed', reason: 'card closed' }))
      .then([refundFailed()]);
    expect(amounts(fold(paymentDecider, [...paid, refundRequested(), refundFailed()]))).toMatchObject({
      refunded: 0,
      pendingRefund: 0,
      refundable: TOTAL,
    });
  });
  it('is a no-op for a recorded provider event, or another report of the same outcome', () => {
    payment
      .given([...paid, refundRequested(), refunded()])
      .when(recordRefund())
      .thenNothing();
    payment
      .given([...paid, refundRequested(), refunded()])
      .when(recordRefund({ providerEventId: 'evt-other' }))
      .thenNothing();
  });
  it('is refused when it contradicts the refund on record', () => {
    payment
      .given([...paid, refundRequested(), refunded()])
      .when(recordRefund({ providerEventId: 'evt-other', outcome: 'failed' }))
      .thenRefused('REFUND_ALREADY_SETTLED');
    payment
      .given([...paid, refundRequested(), refundFailed()])
      .when(recordRefund({ providerEventId: 'evt-other' }))
      .thenRefused('REFUND_ALREADY_SETTLED');
    payment
      .given([...paid, refundRequested()])
      .when(recordRefund({ amount: eur(3_999) }))
      .thenRefused('REFUND_ID_CONFLICT');
  });
  it('is refused once voided or with bad input', () => {
    payment.given(voided).when(recordRefund()).thenRefused('PAYMENT_VOIDED');
    payment
      .given(paid)
      .when(recordRefund({ refundId: '' }))
      .thenRefused('INVALID_ID');
    payment
      .given(paid)
      .when(recordRefund({ amount: eur(1.5) }))
      .thenRefused('INVALID_AMOUNT');
    payment
      .given(paid)
      .when(recordRefund({ amount: { amount: 1, currency: 'USD' } }))
      .thenRefused('CURRENCY_MISMATCH');
  });
});

describe('evolve', () => {
  it('derives every amount from the events', () => {
    expect(amounts(paymentDecider.initialState())).toEqual({
      authorized: 0,
      captured: 0,
      refunded: 0,
      refundable: 0,
      capturable: 0,
      pendingCapture: 0,
      pendingRefund: 0,
      voided: 0,
    });
    const state = fold(paymentDecider, [
      ...paid,
      refundRequested('r-1', 1_000),
      refunded('r-1', 1_000),
      refundRequested('r-2', 2_000),
    ]);
    expect(amounts(state)).toEqual({
      authorized: TOTAL,
      captured: TOTAL,
      refunded: 1_000,
      refundable: 7_000,
      capturable: 0,
      pendingCapture: 0,
      pendingRefund: 2_000,
      voided: 0,
    });
  });
  it.each<[string, readonly PaymentEvent[]]>([
    ['an event before PaymentStarted', [authorized()]],
    ['a second PaymentStarted', [started, started]],
    ['a repeated provider event id', [started, authorized(5_000), authorized(5_000)]],
    ['a capture beyond what is authorized', [started, authorized(5_000), captured(6_000)]],
    ['a wrong running capture total', [started, authorized(), captured(5_000, 4_000)]],
    ['a refund beyond what is captured', [started, authorized(), captured(5_000), refunded('r-1', 6_000)]],
    ['a wrong running refund total', [...paid, refunded('r-1', 1_000, 2_000)]],
    ['a refund id requested twice', [...paid, refundRequested(), refundRequested()]],
    ['a settled refund settled again', [...paid, refunded('r-1', 1_000), refundFailed('r-1', 1_000)]],
    ['anything after a void', [...voided, captured()]],
    ['a void after a capture', [...paid, voidedEvent()]],
    [
      'another currency',
      [
        started,
        { ...authorized(), data: { ...(authorized().data as object), currency: 'USD' } } as PaymentEvent,
      ],
    ],
  ])('throws on %s', (_name, history) => {
    expect(() => fold(paymentDecider, history)).toThrow(InvariantViolation);
  });
});
