import type { CurrencyCode, Instant, Message } from '../shared/index.ts';
import type { Posting } from './ledger.ts';

/** Every ledger event carries balanced postings in its one currency. */
type Entry = Readonly<{ sellerId: string; currency: CurrencyCode; postings: readonly Posting[] }>;

export type EscrowHeld = Message<
  'EscrowHeld',
  Entry & { orderId: string; grossMinor: number; heldAt: Instant }
>;

export type EscrowRefunded = Message<
  'EscrowRefunded',
  Entry & { orderId: string; refundId: string; amountMinor: number; refundedAt: Instant }
>;

export type EscrowReleased = Message<
  'EscrowReleased',
  Entry & {
    orderId: string;
    /** What was left in the order's escrow: gross minus refunds. */
    releasedMinor: number;
    /** computeFee(releasedMinor, schedule), see domain/fees. */
    feeMinor: number;
    /** releasedMinor − feeMinor, now available to the seller. */
    sellerNetMinor: number;
    feeScheduleId: string;
    releasedAt: Instant;
  }
>;

export type PayoutRequested = Message<
  'PayoutRequested',
  Entry & { payoutId: string; amountMinor: number; requestedAt: Instant }
>;

export type PayoutPaid = Message<
  'PayoutPaid',
  Entry & { payoutId: string; amountMinor: number; paidAt: Instant }
>;

export type PayoutFailed = Message<
  'PayoutFailed',
  Entry & { payoutId: string; amountMinor: number; reason: string; failedAt: Instant }
>;

export type SellerAccountEvent =
  EscrowHeld | EscrowRefunded | EscrowReleased | PayoutRequested | PayoutPaid | PayoutFailed;
