import { computeFee, feeScheduleProblem } from '../fees/index.ts';
import { accept, assertNever, isCurrencyCode, isInstant, isMinorUnits, refuse } from '../shared/index.ts';
import type { Decision, Instant, Money } from '../shared/index.ts';
import type {
  HoldInEscrow,
  RecordPayoutFailed,
  RecordPayoutPaid,
  RefundEscrow,
  ReleaseEscrow,
  RequestPayout,
  SellerAccountCommand,
} from './commands.ts';
import type { SellerAccountEvent } from './events.ts';
import {
  heldPostings,
  payoutFailedPostings,
  payoutPaidPostings,
  payoutRequestedPostings,
  refundedPostings,
  releasedPostings,
} from './postings.ts';
import type { ActiveAccount, SellerAccountState } from './state.ts';
import { escrowRemaining, lookup } from './state.ts';

export const SELLER_ACCOUNT_ERROR_CODES = [
  'INVALID_ID',
  'INVALID_INSTANT',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'CURRENCY_MISMATCH',
  'INVALID_FEE_SCHEDULE',
  'FEE_CURRENCY_MISMATCH',
  'SELLER_MISMATCH',
  'ACCOUNT_NOT_FOUND',
  'LEDGER_LIMIT_EXCEEDED',
  'ESCROW_CONFLICT',
  'ESCROW_NOT_FOUND',
  'ESCROW_ALREADY_RELEASED',
  'ESCROW_EMPTY',
  'REFUND_EXCEEDS_ESCROW',
  'NOT_ACCOUNT_OWNER',
  'INSUFFICIENT_AVAILABLE_FUNDS',
  'PAYOUT_CONFLICT',
  'PAYOUT_NOT_FOUND',
  'PAYOUT_ALREADY_SETTLED',
] as const;

export type SellerAccountErrorCode = (typeof SELLER_ACCOUNT_ERROR_CODES)[number];

type Result = Decision<SellerAccountEvent, SellerAccountErrorCode>;
type Refusal = Extract<Result, Readonly<{ ok: false }>>;

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const checkIds = (...ids: string[]): Refusal | null =>
  ids.every(nonEmpty) ? null : refuse('INVALID_ID', 'ids must be non-empty strings');

const checkInstant = (at: Instant): Refusal | null =>
  isInstant(at) ? null : refuse('INVALID_INSTANT', `at must be an ISO-8601 UTC instant, got ${String(at)}`);

/** A positive amount in minor units, in the account's currency once it has one. */
const checkAmount = (amount: Money, state: SellerAccountState): Refusal | null => {
  if (!isMinorUnits(amount.amount) || amount.amount === 0)
    return refuse(
      'INVALID_AMOUNT',
      `amount must be a positive integer of minor units, got ${JSON.stringify(amount)}`,
    );
  if (!isCurrencyCode(amount.currency))
    return refuse('INVALID_CURRENCY', `unknown currency ${String(amount.currency)}`);
  if (state.status === 'active' && amount.currency !== state.currency)
    return refuse('CURRENCY_MISMATCH', `this ledger is in ${state.currency}, not ${amount.currency}`);
  return null;
};

const active = (state: SellerAccountState, sellerId: string): ActiveAccount | Refusal => {
  if (state.status === 'empty')
    return refuse('ACCOUNT_NOT_FOUND', `seller ${sellerId} has no ledger entries yet`);
  if (state.sellerId !== sellerId)
    return refuse('SELLER_MISMATCH', `command for ${sellerId} sent to ${state.sellerId}`);
  return state;
};

/** Keyed by orderId: holding the same gross again is a no-op, a different gross is refused. */
const holdInEscrow = (command: HoldInEscrow, state: SellerAccountState): Result => {
  const { sellerId, orderId, gross, at } = command.data;
  const bad = checkIds(sellerId, orderId) ?? checkInstant(at) ?? checkAmount(gross, state);
  if (bad) return bad;
  if (state.status === 'active') {
    if (state.sellerId !== sellerId)
      return refuse('SELLER_MISMATCH', `command for ${sellerId} sent to ${state.sellerId}`);
    const existing = lookup(state.escrows, orderId);
    if (existing !== undefined)
      return existing.grossMinor === gross.amount
        ? accept()
        : refuse('ESCROW_CONFLICT', `escrow for order ${orderId} was held with ${existing.grossMinor}`);
    // Every other account is ≥ 0 and they sum to −buyerFunds, so bounding it bounds them all.
    if (!Number.isSafeInteger(state.balances.buyerFunds - gross.amount))
      return refuse('LEDGER_LIMIT_EXCEEDED', 'this ledger cannot represent more funds exactly');
  }
  return accept({
    type: 'EscrowHeld',
    data: {
      sellerId,
      currency: gross.currency,
      orderId,
      grossMinor: gross.amount,
      postings: heldPostings(gross.amount),
      heldAt: at,
    },
  });
};

/** Keyed by refundId; partial refunds allowed up to what the order's escrow still holds, before release. */
const refundEscrow = (command: RefundEscrow, current: SellerAccountState): Result => {
  const { sellerId, orderId, refundId, amount, at } = command.data;
  const bad = checkIds(sellerId, orderId, refundId) ?? checkInstant(at) ?? checkAmount(amount, current);
  if (bad) return bad;
  const state = active(current, sellerId);
  if ('ok' in state) return state;
  const escrow = lookup(state.escrows, orderId);
  if (escrow === undefined) return refuse('ESCROW_NOT_FOUND', `nothing was held for order ${orderId}`);
  if (escrow.refundIds.includes(refundId)) return accept();
  if (escrow.release !== null)
    return refuse('ESCROW_ALREADY_RELEASED', `order ${orderId} was already paid out`);
  const remaining = escrowRemaining(escrow);
  if (amount.amount > remaining)
    return refuse(
      'REFUND_EXCEEDS_ESCROW',
      `refund of ${amount.amount} exceeds the ${remaining} held for ${orderId}`,
    );
  return accept({
    type: 'EscrowRefunded',
    data: {
      sellerId,
      currency: state.currency,
      orderId,
      refundId,
      amountMinor: amount.amount,
      postings: refundedPostings(amount.amount),
      refundedAt: at,
    },
  });
};

/**
 * Keyed by orderId: a second release is a no-op. The fee is computed on what
 * the escrow still holds (gross − partial refunds) with the schedule the
 * order snapshotted; the seller gets the rest.
 */
const releaseEscrow = (command: ReleaseEscrow, current: SellerAccountState): Result => {
  const { sellerId, orderId, feeSchedule, at } = command.data;
  const bad = checkIds(sellerId, orderId) ?? checkInstant(at);
  if (bad) return bad;
  const state = active(current, sellerId);
  if ('ok' in state) return state;
  const escrow = lookup(state.escrows, orderId);
  if (escrow === undefined) return refuse('ESCROW_NOT_FOUND', `nothing was held for order ${orderId}`);
  if (escrow.release !== null) return accept();
  const feeProblem = feeScheduleProblem(feeSchedule, state.currency);
  if (feeProblem !== null)
    return refuse(feeProblem, `fee schedule ${feeSchedule.id} cannot price ${state.currency}`);
  const releasedMinor = escrowRemaining(escrow);
  if (releasedMinor === 0) return refuse('ESCROW_EMPTY', `the escrow of order ${orderId} was fully refunded`);
  const feeMinor = computeFee({ amount: releasedMinor, currency: state.currency }, feeSchedule).amount;
  const sellerNetMinor = releasedMinor - feeMinor;
  return accept({
    type: 'EscrowReleased',
    data: {
      sellerId,
      currency: state.currency,
      orderId,
      releasedMinor,
      feeMinor,
      sellerNetMinor,
      feeScheduleId: feeSchedule.id,
      postings: releasedPostings(sellerNetMinor, feeMinor),
      releasedAt: at,
    },
  });
};

/** By the seller only, from available funds. Keyed by payoutId: the same amount again is a no-op. */
const requestPayout = (command: RequestPayout, current: SellerAccountState): Result => {
  const { sellerId, by, payoutId, amount, at } = command.data;
  const bad = checkIds(sellerId, payoutId) ?? checkInstant(at) ?? checkAmount(amount, current);
  if (bad) return bad;
  if (by !== sellerId) return refuse('NOT_ACCOUNT_OWNER', `only seller ${sellerId} may request a payout`);
  const state = active(current, sellerId);
  if ('ok' in state) return state;
  const existing = lookup(state.payouts, payoutId);
  if (existing !== undefined)
    return existing.amountMinor === amount.amount
      ? accept()
      : refuse('PAYOUT_CONFLICT', `payout ${payoutId} was requested for ${existing.amountMinor}`);
  if (amount.amount > state.balances.sellerAvailable)
    return refuse(
      'INSUFFICIENT_AVAILABLE_FUNDS',
      `${amount.amount} requested, ${state.balances.sellerAvailable} ${state.currency} available`,
    );
  return accept({
    type: 'PayoutRequested',
    data: {
      sellerId,
      currency: state.currency,
      payoutId,
      amountMinor: amount.amount,
      postings: payoutRequestedPostings(amount.amount),
      requestedAt: at,
    },
  });
};

/** Idempotent once paid; refused once failed. */
const recordPayoutPaid = (command: RecordPayoutPaid, current: SellerAccountState): Result => {
  const { sellerId, payoutId, at } = command.data;
  const bad = checkIds(sellerId, payoutId) ?? checkInstant(at);
  if (bad) return bad;
  const state = active(current, sellerId);
  if ('ok' in state) return state;
  const payout = lookup(state.payouts, payoutId);
  if (payout === undefined) return refuse('PAYOUT_NOT_FOUND', `no payout ${payoutId}`);
  if (payout.status === 'paid') return accept();
  if (payout.status === 'failed')
    return refuse('PAYOUT_ALREADY_SETTLED', `payout ${payoutId} already failed`);
  return accept({
    type: 'PayoutPaid',
    data: {
      sellerId,
      currency: state.currency,
      payoutId,
      amountMinor: payout.amountMinor,
      postings: payoutPaidPostings(payout.amountMinor),
      paidAt: at,
    },
  });
};

/** Idempotent once failed; refused once paid. The amount is available again. */
const recordPayoutFailed = (command: RecordPayoutFailed, current: SellerAccountState): Result => {
  const { sellerId, payoutId, reason, at } = command.data;
  const bad = checkIds(sellerId, payoutId) ?? checkInstant(at);
  if (bad) return bad;
  const state = active(current, sellerId);
  if ('ok' in state) return state;
  const payout = lookup(state.payouts, payoutId);
  if (payout === undefined) return refuse('PAYOUT_NOT_FOUND', `no payout ${payoutId}`);
  if (payout.status === 'failed') return accept();
  if (payout.status === 'paid')
    return refuse('PAYOUT_ALREADY_SETTLED', `payout ${payoutId} was already paid`);
  return accept({
    type: 'PayoutFailed',
    data: {
      sellerId,
      currency: state.currency,
      payoutId,
      amountMinor: payout.amountMinor,
      reason,
      postings: payoutFailedPostings(payout.amountMinor),
      failedAt: at,
    },
  });
};

export const decide = (command: SellerAccountCommand, state: SellerAccountState): Result => {
  switch (command.type) {
    case 'HoldInEscrow':
      return holdInEscrow(command, state);
    case 'RefundEscrow':
      return refundEscrow(command, state);
    case 'ReleaseEscrow':
      return releaseEscrow(command, state);
    case 'RequestPayout':
      return requestPayout(command, state);
    case 'RecordPayoutPaid':
      return recordPayoutPaid(command, state);
    case 'RecordPayoutFailed':
      return recordPayoutFailed(command, state);
    default:
      return assertNever(command, 'seller-account command');
  }
};
