import type { FeeSchedule } from '../fees/index.ts';
import type { Instant, Message, Money } from '../shared/index.ts';

/** On payment capture of an order of this seller: the buyer's money is held, per order. */
export type HoldInEscrow = Message<
  'HoldInEscrow',
  { sellerId: string; orderId: string; gross: Money; at: Instant }
>;

/** On order completion: what is left in the order's escrow goes to the seller, minus the fee. */
export type ReleaseEscrow = Message<
  'ReleaseEscrow',
  { sellerId: string; orderId: string; feeSchedule: FeeSchedule; at: Instant }
>;

/** Before release: part or all of the order's escrow goes back to the buyer, one refund per id. */
export type RefundEscrow = Message<
  'RefundEscrow',
  { sellerId: string; orderId: string; refundId: string; amount: Money; at: Instant }
>;

/** The seller (`by`) asks for available funds to be paid out to their bank. */
export type RequestPayout = Message<
  'RequestPayout',
  { sellerId: string; by: string; payoutId: string; amount: Money; at: Instant }
>;

/** The payout provider confirms the transfer. */
export type RecordPayoutPaid = Message<
  'RecordPayoutPaid',
  { sellerId: string; payoutId: string; at: Instant }
>;

/** The payout provider gave up: the money is available again. */
export type RecordPayoutFailed = Message<
  'RecordPayoutFailed',
  { sellerId: string; payoutId: string; reason: string; at: Instant }
>;

export type SellerAccountCommand =
  HoldInEscrow | ReleaseEscrow | RefundEscrow | RequestPayout | RecordPayoutPaid | RecordPayoutFailed;
