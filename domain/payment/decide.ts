import { accept, assertNever, isCurrencyCode, isInstant, isMinorUnits, refuse } from '../shared/index.ts';
import type { CurrencyCode, Decision, Money } from '../shared/index.ts';
import type {
  PaymentCommand,
  RecordAuthorization,
  RecordCapture,
  RecordRefund,
  RecordVoid,
  RequestCapture,
  RequestRefund,
  RequestVoid,
  StartPayment,
} from './commands.ts';
import type { PaymentEvent } from './events.ts';
import type { Payment, PaymentState } from './state.ts';

export const PAYMENT_ERROR_CODES = [
  'INVALID_INSTANT',
  'INVALID_ID',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'INVALID_OUTCOME',
  'CURRENCY_MISMATCH',
  'PAYMENT_NOT_STARTED',
  'PAYMENT_ALREADY_STARTED',
  'PAYMENT_ID_MISMATCH',
  'PAYMENT_VOIDED',
  'NOT_AUTHORIZED',
  'AUTHORIZATION_EXCEEDS_AMOUNT',
  'CAPTURE_PENDING',
  'CAPTURE_EXCEEDS_AUTHORIZED',
  'VOID_PENDING',
  'PAYMENT_CAPTURED',
  'NOT_CAPTURED',
  'REFUND_EXCEEDS_CAPTURED',
  'REFUND_ID_CONFLICT',
  'REFUND_ALREADY_SETTLED',
] as const;

export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number];

type Result = Decision<PaymentEvent, PaymentErrorCode>;
type Refusal = Extract<Result, Readonly<{ ok: false }>>;
type Started = Exclude<PaymentState, Readonly<{ status: 'none' }>>;
type Open = Extract<PaymentState, Readonly<{ status: 'open' }>>;
type ProviderReport = Pick<RecordCapture['data'], 'providerEventId' | 'providerReference'>;

const NO_REASON = 'not given by the provider';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const checkId = (value: unknown, field: string): Refusal | null =>
  nonEmpty(value) ? null : refuse('INVALID_ID', `${field} must be a non-empty string`);

/** A positive whole number of minor units in a known currency (and the payment's, once it has one). */
const checkAmount = (money: Money | undefined, currency: CurrencyCode | null): Refusal | null => {
  if (money === undefined) return refuse('INVALID_AMOUNT', 'an amount is required');
  if (!isCurrencyCode(money.currency))
    return refuse('INVALID_CURRENCY', `unknown currency ${String(money.currency)}`);
  if (!isMinorUnits(money.amount) || money.amount === 0)
    return refuse(
      'INVALID_AMOUNT',
      `amount must be a positive whole number of minor units, got ${money.amount}`,
    );
  if (currency !== null && money.currency !== currency)
    return refuse('CURRENCY_MISMATCH', `the payment is in ${currency}, not ${money.currency}`);
  return null;
};

const checkReport = (report: ProviderReport, outcome: unknown): Refusal | null =>
  checkId(report.providerEventId, 'providerEventId') ??
  checkId(report.providerReference, 'providerReference') ??
  (outcome === 'succeeded' || outcome === 'failed'
    ? null
    : refuse('INVALID_OUTCOME', `outcome must be 'succeeded' or 'failed', got ${String(outcome)}`));

const provider = (report: ProviderReport): ProviderReport => ({
  providerEventId: report.providerEventId,
  providerReference: report.providerReference,
});

/** A provider event already recorded: the report is a redelivery and changes nothing. */
const seen = (state: Payment, report: ProviderReport): boolean =>
  state.providerEventIds.includes(report.providerEventId);

const voided = (state: Started): Refusal =>
  refuse('PAYMENT_VOIDED', `payment ${state.paymentId} was voided: nothing more happens to it`);

const remainingToCapture = (state: Payment): number => state.authorizedMinor - state.capturedMinor;
const refundable = (state: Payment): number =>
  state.capturedMinor - state.refundedMinor - state.pendingRefundMinor;

// --- start and authorization ----------------------------------------------------

/** A repeat with the same order and amount is a no-op; anything else under the id is refused. */
const startPayment = ({ data }: StartPayment, state: PaymentState): Result => {
  const bad = checkId(data.orderId, 'orderId') ?? checkAmount(data.amount, null);
  if (bad) return bad;
  if (state.status !== 'none') {
    const same =
      state.orderId === data.orderId &&
      state.amountMinor === data.amount.amount &&
      state.currency === data.amount.currency;
    return same
      ? accept()
      : refuse('PAYMENT_ALREADY_STARTED', `payment ${data.paymentId} already exists for other content`);
  }
  return accept({
    type: 'PaymentStarted',
    data: {
      paymentId: data.paymentId,
      orderId: data.orderId,
      amountMinor: data.amount.amount,
      currency: data.amount.currency,
      startedAt: data.at,
    },
  });
};

/** Authorizations add up (incremental authorization) to at most the amount the payment started with. */
const recordAuthorization = ({ data }: RecordAuthorization, state: Started): Result => {
  const bad =
    checkReport(data, data.outcome) ??
    (data.outcome === 'succeeded' ? checkAmount(data.amount, state.currency) : null);
  if (bad) return bad;
  if (seen(state, data)) return accept();
  if (state.status === 'voided') return voided(state);
  const { paymentId, orderId } = state;
  if (data.outcome === 'failed')
    return accept({
      type: 'AuthorizationFailed',
      data: { ...provider(data), paymentId, orderId, reason: data.reason ?? NO_REASON, failedAt: data.at },
    });
  const amountMinor = data.amount?.amount ?? 0;
  if (amountMinor > state.amountMinor - state.authorizedMinor)
    return refuse(
      'AUTHORIZATION_EXCEEDS_AMOUNT',
      `authorizing ${amountMinor} more would exceed the payment's ${state.amountMinor} (${state.authorizedMinor} authorized)`,
    );
  return accept({
    type: 'PaymentAuthorized',
    data: {
      ...provider(data),
      paymentId,
      orderId,
      amountMinor,
      currency: state.currency,
      authorizedAt: data.at,
    },
  });
};

// --- capture --------------------------------------------------------------------

/**
 * One capture in flight at a time: captures carry no id, so the same amount
 * while one is pending is taken as a redelivery (no-op), another amount is
 * refused until the provider reports the first.
 */
const requestCapture = ({ data }: RequestCapture, state: Started): Result => {
  const bad = checkAmount(data.amount, state.currency);
  if (bad) return bad;
  if (state.status === 'voided') return voided(state);
  const amountMinor = data.amount.amount;
  if (state.pendingCaptureMinor !== 0)
    return amountMinor === state.pendingCaptureMinor
      ? accept()
      : refuse('CAPTURE_PENDING', `a capture of ${state.pendingCaptureMinor} awaits the provider`);
  if (state.voidRequestedAt !== null) return refuse('VOID_PENDING', 'a void awaits the provider');
  if (state.authorizedMinor === 0) return refuse('NOT_AUTHORIZED', 'nothing is authorized yet');
  if (amountMinor > remainingToCapture(state))
    return refuse(
      'CAPTURE_EXCEEDS_AUTHORIZED',
      `capturing ${amountMinor} exceeds the ${remainingToCapture(state)} authorized and not captured`,
    );
  return accept({
    type: 'CaptureRequested',
    data: {
      paymentId: state.paymentId,
      orderId: state.orderId,
      amountMinor,
      currency: state.currency,
      requestedAt: data.at,
    },
  });
};

/**
 * The provider's outcome settles the capture in flight, if any. A success
 * without a request is accepted (providers that authorize and capture in one
 * step) as long as the captures stay within what is authorized.
 */
const recordCapture = ({ data }: RecordCapture, state: Started): Result => {
  const bad = checkReport(data, data.outcome) ?? checkAmount(data.amount, state.currency);
  if (bad) return bad;
  if (seen(state, data)) return accept();
  if (state.status === 'voided') return voided(state);
  const { paymentId, orderId } = state;
  const amountMinor = data.amount.amount;
  if (data.outcome === 'failed')
    return accept({
      type: 'CaptureFailed',
      data: {
        ...provider(data),
        paymentId,
        orderId,
        amountMinor,
        reason: data.reason ?? NO_REASON,
        failedAt: data.at,
      },
    });
  if (state.authorizedMinor === 0) return refuse('NOT_AUTHORIZED', 'nothing is authorized to capture');
  if (amountMinor > remainingToCapture(state))
    return refuse(
      'CAPTURE_EXCEEDS_AUTHORIZED',
      `a capture of ${amountMinor} exceeds the ${remainingToCapture(state)} authorized and not captured`,
    );
  return accept({
    type: 'PaymentCaptured',
    data: {
      ...provider(data),
      paymentId,
      orderId,
      amountMinor,
      currency: state.currency,
      capturedTotalMinor: state.capturedMinor + amountMinor,
      capturedAt: data.at,
    },
  });
};

// --- void -----------------------------------------------------------------------

/** Only an authorization with nothing captured is voided; captured money goes back by refund. */
const voidable = (state: Open): Refusal | null => {
  if (state.capturedMinor !== 0)
    return refuse('PAYMENT_CAPTURED', `${state.capturedMinor} is captured: refund it instead of voiding`);
  if (state.authorizedMinor === 0) return refuse('NOT_AUTHORIZED', 'nothing is authorized to void');
  return null;
};

/** Idempotent while a void is in flight and once voided. */
const requestVoid = ({ data }: RequestVoid, state: Started): Result => {
  if (state.status === 'voided' || state.voidRequestedAt !== null) return accept();
  const bad =
    voidable(state) ??
    (state.pendingCaptureMinor === 0
      ? null
      : refuse('CAPTURE_PENDING', `a capture of ${state.pendingCaptureMinor} awaits the provider`));
  if (bad) return bad;
  return accept({
    type: 'VoidRequested',
    data: { paymentId: state.paymentId, orderId: state.orderId, reason: data.reason, requestedAt: data.at },
  });
};

/** A success without a request is accepted (the provider may void on its own); another success once voided is a no-op. */
const recordVoid = ({ data }: RecordVoid, state: Started): Result => {
  const bad = checkReport(data, data.outcome);
  if (bad) return bad;
  if (seen(state, data)) return accept();
  if (state.status === 'voided') return data.outcome === 'succeeded' ? accept() : voided(state);
  const { paymentId, orderId } = state;
  if (data.outcome === 'failed')
    return accept({
      type: 'VoidFailed',
      data: { ...provider(data), paymentId, orderId, reason: data.reason ?? NO_REASON, failedAt: data.at },
    });
  const refused = voidable(state);
  if (refused) return refused;
  return accept({
    type: 'PaymentVoided',
    data: { ...provider(data), paymentId, orderId, voidedAt: data.at },
  });
};

// --- refunds --------------------------------------------------------------------

/**
 * Several partial refunds, each under its own id. What is refunded plus what
 * is still asked for never exceeds what is captured. A known id with the same
 * amount is a no-op (whatever its outcome: a failed refund is retried under a
 * new id), with another amount it is refused.
 */
const requestRefund = ({ data }: RequestRefund, state: Started): Result => {
  const bad = checkId(data.refundId, 'refundId') ?? checkAmount(data.amount, state.currency);
  if (bad) return bad;
  if (state.status === 'voided') return voided(state);
  const amountMinor = data.amount.amount;
  const known = state.refunds.find((refund) => refund.refundId === data.refundId);
  if (known !== undefined)
    return known.amountMinor === amountMinor
      ? accept()
      : refuse(
          'REFUND_ID_CONFLICT',
          `refund ${known.refundId} is for ${known.amountMinor}, not ${amountMinor}`,
        );
  if (state.capturedMinor === 0) return refuse('NOT_CAPTURED', 'nothing is captured to refund');
  if (amountMinor > refundable(state))
    return refuse(
      'REFUND_EXCEEDS_CAPTURED',
      `refunding ${amountMinor} exceeds the ${refundable(state)} captured and not refunded or asked for`,
    );
  return accept({
    type: 'RefundRequested',
    data: {
      paymentId: state.paymentId,
      orderId: state.orderId,
      refundId: data.refundId,
      amountMinor,
      currency: state.currency,
      reason: data.reason,
      requestedAt: data.at,
    },
  });
};

/**
 * Settles a requested refund, or records one the provider made on its own
 * (e.g. from its dashboard) when it fits in what is captured and not yet
 * refunded or asked for. A second report of the same outcome is a no-op; a
 * contradicting one is refused.
 */
const recordRefund = ({ data }: RecordRefund, state: Started): Result => {
  const bad =
    checkReport(data, data.outcome) ??
    checkId(data.refundId, 'refundId') ??
    checkAmount(data.amount, state.currency);
  if (bad) return bad;
  if (seen(state, data)) return accept();
  if (state.status === 'voided') return voided(state);
  const { paymentId, orderId, currency } = state;
  const { refundId } = data;
  const amountMinor = data.amount.amount;
  const known = state.refunds.find((refund) => refund.refundId === refundId);
  if (known !== undefined) {
    if (known.amountMinor !== amountMinor)
      return refuse(
        'REFUND_ID_CONFLICT',
        `refund ${refundId} is for ${known.amountMinor}, not ${amountMinor}`,
      );
    if (known.status === data.outcome) return accept();
    if (known.status !== 'requested')
      return refuse('REFUND_ALREADY_SETTLED', `refund ${refundId} already ${known.status}`);
  }
  if (data.outcome === 'failed')
    return accept({
      type: 'RefundFailed',
      data: {
        ...provider(data),
        paymentId,
        orderId,
        refundId,
        amountMinor,
        reason: data.reason ?? NO_REASON,
        failedAt: data.at,
      },
    });
  if (known === undefined) {
    if (state.capturedMinor === 0) return refuse('NOT_CAPTURED', 'nothing is captured to refund');
    if (amountMinor > refundable(state))
      return refuse(
        'REFUND_EXCEEDS_CAPTURED',
        `a refund of ${amountMinor} exceeds the ${refundable(state)} captured and not refunded or asked for`,
      );
  }
  return accept({
    type: 'PaymentRefunded',
    data: {
      ...provider(data),
      paymentId,
      orderId,
      refundId,
      amountMinor,
      currency,
      refundedTotalMinor: state.refundedMinor + amountMinor,
      refundedAt: data.at,
    },
  });
};

// --- the switch -------------------------------------------------------------------

export const decide = (command: PaymentCommand, state: PaymentState): Result => {
  if (!isInstant(command.data.at))
    return refuse('INVALID_INSTANT', `at must be an ISO-8601 UTC instant, got ${String(command.data.at)}`);
  const badId = checkId(command.data.paymentId, 'paymentId');
  if (badId) return badId;
  if (command.type === 'StartPayment') return startPayment(command, state);
  if (state.status === 'none')
    return refuse('PAYMENT_NOT_STARTED', `payment ${command.data.paymentId} was never started`);
  if (command.data.paymentId !== state.paymentId)
    return refuse(
      'PAYMENT_ID_MISMATCH',
      `command for ${command.data.paymentId} sent to payment ${state.paymentId}`,
    );
  switch (command.type) {
    case 'RecordAuthorization':
      return recordAuthorization(command, state);
    case 'RequestCapture':
      return requestCapture(command, state);
    case 'RecordCapture':
      return recordCapture(command, state);
    case 'RequestVoid':
      return requestVoid(command, state);
    case 'RecordVoid':
      return recordVoid(command, state);
    case 'RequestRefund':
      return requestRefund(command, state);
    case 'RecordRefund':
      return recordRefund(command, state);
    default:
      return assertNever(command, 'payment command');
  }
};
