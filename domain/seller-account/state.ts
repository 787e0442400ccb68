import { assertNever, InvariantViolation } from '../shared/index.ts';
import type { CurrencyCode } from '../shared/index.ts';
import type { SellerAccountEvent } from './events.ts';
import type { Balances } from './ledger.ts';
import { post, zeroBalances } from './ledger.ts';
import { expectedPostings, samePostings } from './postings.ts';

/** The escrow sub-ledger of one order. Remaining = gross − refunded (− released once released). */
export type OrderEscrow = Readonly<{
  grossMinor: number;
  refundedMinor: number;
  refundIds: readonly string[];
  release: Readonly<{ releasedMinor: number; feeMinor: number }> | null;
}>;

export type Payout = Readonly<{ amountMinor: number; status: 'requested' | 'paid' | 'failed' }>;

export type SellerAccountState =
  | Readonly<{ status: 'empty' }>
  | Readonly<{
      status: 'active';
      sellerId: string;
      /** Fixed by the first entry: a seller's ledger is in one currency. */
      currency: CurrencyCode;
      balances: Balances;
      escrows: Readonly<Record<string, OrderEscrow>>;
      payouts: Readonly<Record<string, Payout>>;
    }>;

export type ActiveAccount = Extract<SellerAccountState, { status: 'active' }>;

export const initialState = (): SellerAccountState => ({ status: 'empty' });

/** Own-property lookup, so ids such as `__proto__` or `constructor` are plain keys. */
export const lookup = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

export const escrowRemaining = (escrow: OrderEscrow): number =>
  escrow.grossMinor - escrow.refundedMinor - (escrow.release?.releasedMinor ?? 0);

/** Ledger balances per account (all zero for an empty account). Σ balances = 0 always. */
export const balances = (state: SellerAccountState): Balances =>
  state.status === 'empty' ? zeroBalances() : state.balances;

/** What is still held for one order (0 when unknown, fully refunded or released). */
export const escrowBalance = (state: SellerAccountState, orderId: string): number => {
  if (state.status === 'empty') return 0;
  const escrow = lookup(state.escrows, orderId);
  return escrow === undefined ? 0 : escrowRemaining(escrow);
};

const activeFor = (state: SellerAccountState, event: SellerAccountEvent): ActiveAccount => {
  if (state.status === 'active') {
    if (state.sellerId !== event.data.sellerId || state.currency !== event.data.currency)
      throw new InvariantViolation(`seller-account: ${event.type} for another seller or currency`);
    return state;
  }
  if (event.type !== 'EscrowHeld')
    throw new InvariantViolation(`seller-account: ${event.type} on an empty account`);
  return {
    status: 'active',
    sellerId: event.data.sellerId,
    currency: event.data.currency,
    balances: zeroBalances(),
    escrows: {},
    payouts: {},
  };
};

const escrowOf = (state: ActiveAccount, orderId: string): OrderEscrow => {
  const escrow = lookup(state.escrows, orderId);
  if (escrow === undefined) throw new InvariantViolation(`seller-account: no escrow for order ${orderId}`);
  return escrow;
};

const payoutOf = (state: ActiveAccount, payoutId: string): Payout => {
  const payout = lookup(state.payouts, payoutId);
  if (payout?.status !== 'requested')
    throw new InvariantViolation(`seller-account: payout ${payoutId} is not in flight`);
  return payout;
};

const withEscrow = (state: ActiveAccount, orderId: string, escrow: OrderEscrow): ActiveAccount['escrows'] => {
  if (escrowRemaining(escrow) < 0)
    throw new InvariantViolation(`seller-account: escrow of ${orderId} below zero`);
  return { ...state.escrows, [orderId]: escrow };
};

/**
 * Posts an event's entry: it must balance, must not overdraw escrow, available
 * or pending funds (`post` throws), and must be exactly what the event's own
 * amounts call for — otherwise balances and amounts would tell two stories.
 */
const postEntry = (state: ActiveAccount, event: SellerAccountEvent): ActiveAccount['balances'] => {
  const balances = post(state.balances, event.data.postings);
  if (!samePostings(event.data.postings, expectedPostings(event)))
    throw new InvariantViolation(`seller-account: ${event.type} postings disagree with its amounts`);
  return balances;
};

/**
 * Applies a ledger event: posts its entry and updates the per-order escrow
 * and per-payout records.
 */
export const evolve = (current: SellerAccountState, event: SellerAccountEvent): SellerAccountState => {
  const state = activeFor(current, event);
  const balances = postEntry(state, event);
  switch (event.type) {
    case 'EscrowHeld': {
      if (lookup(state.escrows, event.data.orderId) !== undefined)
        throw new InvariantViolation(`seller-account: escrow of ${event.data.orderId} held twice`);
      const escrow: OrderEscrow = {
        grossMinor: event.data.grossMinor,
        refundedMinor: 0,
        refundIds: [],
        release: null,
      };
      return { ...state, balances, escrows: withEscrow(state, event.data.orderId, escrow) };
    }
    case 'EscrowRefunded': {
      const escrow = escrowOf(state, event.data.orderId);
      if (escrow.release !== null) throw new InvariantViolation(`seller-account: refund after release`);
      if (escrow.refundIds.includes(event.data.refundId))
        throw new InvariantViolation(`seller-account: refund ${event.data.refundId} recorded twice`);
      const next: OrderEscrow = {
        ...escrow,
        refundedMinor: escrow.refundedMinor + event.data.amountMinor,
        refundIds: [...escrow.refundIds, event.data.refundId],
      };
      return { ...state, balances, escrows: withEscrow(state, event.data.orderId, next) };
    }
    case 'EscrowReleased': {
      const escrow = escrowOf(state, event.data.orderId);
      if (escrow.release !== null) throw new InvariantViolation(`seller-account: escrow released twice`);
      if (event.data.feeMinor + event.data.sellerNetMinor !== event.data.releasedMinor)
        throw new InvariantViolation(`seller-account: fee + net ≠ released for ${event.data.orderId}`);
      const next: OrderEscrow = {
        ...escrow,
        release: { releasedMinor: event.data.releasedMinor, feeMinor: event.data.feeMinor },
      };
      if (escrowRemaining(next) !== 0) throw new InvariantViolation(`seller-account: partial release`);
      return { ...state, balances, escrows: withEscrow(state, event.data.orderId, next) };
    }
    case 'PayoutRequested':
      if (lookup(state.payouts, event.data.payoutId) !== undefined)
        throw new InvariantViolation(`seller-account: payout ${event.data.payoutId} requested twice`);
      return {
        ...state,
        balances,
        payouts: {
          ...state.payouts,
          [event.data.payoutId]: { amountMinor: event.data.amountMinor, status: 'requested' },
        },
      };
    case 'PayoutPaid':
    case 'PayoutFailed': {
      const payout = payoutOf(state, event.data.payoutId);
      if (payout.amountMinor !== event.data.amountMinor)
        throw new InvariantViolation(
          `seller-account: payout ${event.data.payoutId} settled for another amount`,
        );
      const status = event.type === 'PayoutPaid' ? 'paid' : 'failed';
      return {
        ...state,
        balances,
        payouts: { ...state.payouts, [event.data.payoutId]: { ...payout, status } },
      };
    }
    default:
      return assertNever(event, 'seller-account event');
  }
};
