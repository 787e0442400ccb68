/**
 * The posting rule of each ledger event, in one place: `decide` writes an
 * event's postings with these, and `evolve` checks a recorded event's postings
 * against them. A history whose postings disagree with its own amounts (say a
 * hold of 100 posted as 50) is corrupt even though it balances, and must not
 * fold into believable balances.
 */
import { assertNever } from '../shared/index.ts';
import type { SellerAccountEvent } from './events.ts';
import { transfer } from './ledger.ts';
import type { Posting } from './ledger.ts';

/** A capture for an order is held: the buyer's money enters escrow. */
export const heldPostings = (grossMinor: number): Posting[] => transfer(['buyerFunds', 'escrow', grossMinor]);

/** Part of an order's escrow goes back to the buyer. */
export const refundedPostings = (amountMinor: number): Posting[] =>
  transfer(['escrow', 'refunds', amountMinor]);

/** Completion: escrow splits into the seller's net and the marketplace's fee. */
export const releasedPostings = (sellerNetMinor: number, feeMinor: number): Posting[] =>
  transfer(['escrow', 'sellerAvailable', sellerNetMinor], ['escrow', 'feeRevenue', feeMinor]);

/** The seller asks for available money: it is in flight to their bank. */
export const payoutRequestedPostings = (amountMinor: number): Posting[] =>
  transfer(['sellerAvailable', 'payoutPending', amountMinor]);

/** The transfer arrived: the money has left the marketplace. */
export const payoutPaidPostings = (amountMinor: number): Posting[] =>
  transfer(['payoutPending', 'payouts', amountMinor]);

/** The transfer failed: the money is available to the seller again. */
export const payoutFailedPostings = (amountMinor: number): Posting[] =>
  transfer(['payoutPending', 'sellerAvailable', amountMinor]);

/** The postings an event must carry, derived from its amounts alone. */
export const expectedPostings = (event: SellerAccountEvent): Posting[] => {
  switch (event.type) {
    case 'EscrowHeld':
      return heldPostings(event.data.grossMinor);
    case 'EscrowRefunded':
      return refundedPostings(event.data.amountMinor);
    case 'EscrowReleased':
      return releasedPostings(event.data.sellerNetMinor, event.data.feeMinor);
    case 'PayoutRequested':
      return payoutRequestedPostings(event.data.amountMinor);
    case 'PayoutPaid':
      return payoutPaidPostings(event.data.amountMinor);
    case 'PayoutFailed':
      return payoutFailedPostings(event.data.amountMinor);
    default:
      return assertNever(event, 'seller-account event');
  }
};

/** Same accounts and amounts in the same order (the order `decide` writes them in). */
export const samePostings = (a: readonly Posting[], b: readonly Posting[]): boolean =>
  a.length === b.length &&
  a.every((posting, i) => posting.account === b[i]?.account && posting.amountMinor === b[i].amountMinor);
