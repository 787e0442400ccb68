import { assertNever, InvariantViolation } from '../shared/index.ts';
import type { CurrencyCode, Instant } from '../shared/index.ts';
import type { PaymentEvent } from './events.ts';

/** One refund by its id: asked for by the marketplace, or reported by the provider on its own. */
export type RefundStatus = 'requested' | 'succeeded' | 'failed';
export type Refund = Readonly<{ refundId: string; amountMinor: number; status: RefundStatus }>;

/**
 * Everything is an amount in minor units of the payment's one currency, summed
 * from its own events; nothing is a "captured: true" flag.
 *
 *   refundedMinor + pendingRefundMinor ≤ capturedMinor ≤ authorizedMinor ≤ amountMinor
 */
export type Payment = Readonly<{
  paymentId: string;
  orderId: string;
  currency: CurrencyCode;
  /** What the checkout asked for; authorizations add up to at most this. */
  amountMinor: number;
  startedAt: Instant;
  authorizedMinor: number;
  capturedMinor: number;
  /** Sum of succeeded refunds. */
  refundedMinor: number;
  /** The capture asked for and not yet reported by the provider (0: none in flight). */
  pendingCaptureMinor: number;
  /** Sum of refunds asked for and not yet reported. */
  pendingRefundMinor: number;
  /** When a void was asked for and not yet reported (null: none in flight). */
  voidRequestedAt: Instant | null;
  refunds: readonly Refund[];
  /** Every provider event id recorded: a repeat changes nothing. */
  providerEventIds: readonly string[];
}>;

/**
 * none ──StartPayment──► open ──PaymentVoided──► voided
 *
 * `open` covers the whole money life (authorized, captured, refunded) because
 * those are amounts, not steps; `voided` is final and keeps the amounts frozen
 * (only an authorization with nothing captured is voided, so what it gave up is
 * `voidedMinor = authorizedMinor`).
 */
export type PaymentState =
  | Readonly<{ status: 'none' }>
  | (Payment & Readonly<{ status: 'open' }>)
  | (Payment & Readonly<{ status: 'voided'; voidedMinor: number; voidedAt: Instant }>);

export type PaymentStatus = PaymentState['status'];

export const initialState = (): PaymentState => ({ status: 'none' });

const broken = (event: PaymentEvent, why: string): never => {
  throw new InvariantViolation(`payment: ${event.type} ${why}`);
};

/** The open payment an event applies to, having checked its provider event id is new. */
const open = (state: PaymentState, event: PaymentEvent): Payment & Readonly<{ status: 'open' }> => {
  if (state.status === 'none') return broken(event, 'before PaymentStarted');
  if (state.status === 'voided') return broken(event, 'after the payment was voided');
  if ('providerEventId' in event.data) {
    const { providerEventId } = event.data;
    if (state.providerEventIds.includes(providerEventId))
      return broken(event, `repeats provider event ${providerEventId}`);
    return { ...state, providerEventIds: [...state.providerEventIds, providerEventId] };
  }
  return state;
};

const sameCurrency = (payment: Payment, event: PaymentEvent, currency: CurrencyCode): void => {
  if (currency !== payment.currency) broken(event, `in ${currency} on a ${payment.currency} payment`);
};

const positive = (event: PaymentEvent, amountMinor: number): void => {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) broken(event, `with amount ${amountMinor}`);
};

const refundOf = (payment: Payment, refundId: string): Refund | undefined =>
  payment.refunds.find((refund) => refund.refundId === refundId);

const withRefund = (payment: Payment, refund: Refund): readonly Refund[] =>
  refundOf(payment, refund.refundId) === undefined
    ? [...payment.refunds, refund]
    : payment.refunds.map((r) => (r.refundId === refund.refundId ? refund : r));

/** Settles a refund with the provider's outcome; a requested one leaves the pending sum. */
const settleRefund = (
  payment: Payment,
  event: PaymentEvent,
  refundId: string,
  amountMinor: number,
  status: 'succeeded' | 'failed',
): Pick<Payment, 'refunds' | 'pendingRefundMinor'> => {
  const known = refundOf(payment, refundId);
  if (known !== undefined && known.status !== 'requested') broken(event, `for settled refund ${refundId}`);
  if (known !== undefined && known.amountMinor !== amountMinor)
    broken(event, `for ${amountMinor} but refund ${refundId} asked for ${known.amountMinor}`);
  return {
    refunds: withRefund(payment, { refundId, amountMinor, status }),
    pendingRefundMinor: payment.pendingRefundMinor - (known === undefined ? 0 : known.amountMinor),
  };
};

/**
 * Applies a recorded fact. Only what `decide` can produce is accepted; a
 * history that breaks an amount rule (capture beyond authorized, refunds beyond
 * captured, a second currency, a repeated provider event) is corrupt and throws.
 */
export const evolve = (state: PaymentState, event: PaymentEvent): PaymentState => {
  switch (event.type) {
    case 'PaymentStarted': {
      if (state.status !== 'none') return broken(event, 'on a payment that already started');
      const { paymentId, orderId, amountMinor, currency, startedAt } = event.data;
      positive(event, amountMinor);
      return {
        status: 'open',
        paymentId,
        orderId,
        currency,
        amountMinor,
        startedAt,
        authorizedMinor: 0,
        capturedMinor: 0,
        refundedMinor: 0,
        pendingCaptureMinor: 0,
        pendingRefundMinor: 0,
        voidRequestedAt: null,
        refunds: [],
        providerEventIds: [],
      };
    }

    case 'PaymentAuthorized': {
      const payment = open(state, event);
      sameCurrency(payment, event, event.data.currency);
      positive(event, event.data.amountMinor);
      const authorizedMinor = payment.authorizedMinor + event.data.amountMinor;
      if (authorizedMinor > payment.amountMinor)
        return broken(event, `authorizes ${authorizedMinor} of a ${payment.amountMinor} payment`);
      return { ...payment, authorizedMinor };
    }

    case 'AuthorizationFailed':
      return open(state, event);

    case 'CaptureRequested': {
      const payment = open(state, event);
      sameCurrency(payment, event, event.data.currency);
      positive(event, event.data.amountMinor);
      if (payment.pendingCaptureMinor !== 0) return broken(event, 'while another capture is in flight');
      if (event.data.amountMinor > payment.authorizedMinor - payment.capturedMinor)
        return broken(event, 'beyond what is authorized');
      return { ...payment, pendingCaptureMinor: event.data.amountMinor };
    }

    case 'PaymentCaptured': {
      const payment = open(state, event);
      sameCurrency(payment, event, event.data.currency);
      positive(event, event.data.amountMinor);
      const capturedMinor = payment.capturedMinor + event.data.amountMinor;
      if (capturedMinor > payment.authorizedMinor)
        return broken(event, `captures ${capturedMinor} of ${payment.authorizedMinor} authorized`);
      if (capturedMinor !== event.data.capturedTotalMinor)
        return broken(event, `says ${event.data.capturedTotalMinor} captured, the history ${capturedMinor}`);
      return { ...payment, capturedMinor, pendingCaptureMinor: 0 };
    }

    case 'CaptureFailed':
      return { ...open(state, event), pendingCaptureMinor: 0 };

    case 'VoidRequested': {
      const payment = open(state, event);
      if (payment.capturedMinor !== 0) return broken(event, 'after a capture');
      return { ...payment, voidRequestedAt: event.data.requestedAt };
    }

    case 'PaymentVoided': {
      const payment = open(state, event);
      if (payment.capturedMinor !== 0) return broken(event, 'after a capture');
      return {
        ...payment,
        status: 'voided',
        pendingCaptureMinor: 0,
        voidRequestedAt: null,
        voidedMinor: payment.authorizedMinor,
        voidedAt: event.data.voidedAt,
      };
    }

    case 'VoidFailed':
      return { ...open(state, event), voidRequestedAt: null };

    case 'RefundRequested': {
      const payment = open(state, event);
      const { refundId, amountMinor, currency } = event.data;
      sameCurrency(payment, event, currency);
      positive(event, amountMinor);
      if (refundOf(payment, refundId) !== undefined) return broken(event, `repeats refund id ${refundId}`);
      const pendingRefundMinor = payment.pendingRefundMinor + amountMinor;
      if (payment.refundedMinor + pendingRefundMinor > payment.capturedMinor)
        return broken(event, 'beyond what is captured');
      return {
        ...payment,
        pendingRefundMinor,
        refunds: [...payment.refunds, { refundId, amountMinor, status: 'requested' }],
      };
    }

    case 'PaymentRefunded': {
      const payment = open(state, event);
      const { refundId, amountMinor, currency, refundedTotalMinor } = event.data;
      sameCurrency(payment, event, currency);
      positive(event, amountMinor);
      const settled = settleRefund(payment, event, refundId, amountMinor, 'succeeded');
      const refundedMinor = payment.refundedMinor + amountMinor;
      if (refundedMinor + settled.pendingRefundMinor > payment.capturedMinor)
        return broken(event, `refunds ${refundedMinor} of ${payment.capturedMinor} captured`);
      if (refundedMinor !== refundedTotalMinor)
        return broken(event, `says ${refundedTotalMinor} refunded, the history ${refundedMinor}`);
      return { ...payment, ...settled, refundedMinor };
    }

    case 'RefundFailed': {
      const payment = open(state, event);
      const { refundId, amountMinor } = event.data;
      positive(event, amountMinor);
      return { ...payment, ...settleRefund(payment, event, refundId, amountMinor, 'failed') };
    }

    default:
      return assertNever(event, 'payment event');
  }
};

export type PaymentAmounts = Readonly<{
  authorized: number;
  captured: number;
  /** Sum of succeeded refunds. */
  refunded: number;
  /** What a new refund may still ask for: captured − refunded − refunds in flight. */
  refundable: number;
  /** What a new capture may still ask for: authorized − captured − the capture in flight (0 once voided). */
  capturable: number;
  pendingCapture: number;
  pendingRefund: number;
  /** The authorization given up by a void. */
  voided: number;
}>;

/** The money view of a payment, in minor units of its currency (all zero before it starts). */
export const amounts = (state: PaymentState): PaymentAmounts => {
  if (state.status === 'none')
    return {
      authorized: 0,
      captured: 0,
      refunded: 0,
      refundable: 0,
      capturable: 0,
      pendingCapture: 0,
      pendingRefund: 0,
      voided: 0,
    };
  return {
    authorized: state.authorizedMinor,
    captured: state.capturedMinor,
    refunded: state.refundedMinor,
    refundable: state.capturedMinor - state.refundedMinor - state.pendingRefundMinor,
    capturable:
      state.status === 'voided' ? 0 : state.authorizedMinor - state.capturedMinor - state.pendingCaptureMinor,
    pendingCapture: state.pendingCaptureMinor,
    pendingRefund: state.pendingRefundMinor,
    voided: state.status === 'voided' ? state.voidedMinor : 0,
  };
};
