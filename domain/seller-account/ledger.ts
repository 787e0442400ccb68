/**
 * The seller's double-entry ledger.
 *
 * A posting is `{ account, amountMinor }` with a signed amount: positive is a
 * debit (money arrives in that account), negative a credit (money leaves it).
 * Every ledger event's postings are in the event's one currency and sum to
 * zero, so the sum of all balances is always zero.
 *
 * Accounts, as seen from the marketplace's books for this seller:
 * - `buyerFunds`   (external source) money received from buyers; its balance
 *                  is negative: minus everything ever captured.
 * - `escrow`       held for orders not yet completed (sub-ledger per order).
 * - `sellerAvailable` released to the seller, not yet asked for.
 * - `payoutPending` asked for by the seller, transfer in flight (the brief's
 *                  "seller pending", named after what it holds).
 * - `feeRevenue`   the marketplace's fees.
 * - `refunds`      (external sink) money given back to buyers.
 * - `payouts`      (external sink) money transferred to the seller's bank.
 */
import { InvariantViolation } from '../shared/index.ts';

export const LEDGER_ACCOUNTS = [
  'buyerFunds',
  'escrow',
  'sellerAvailable',
  'payoutPending',
  'feeRevenue',
  'refunds',
  'payouts',
] as const;

export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

export type Posting = Readonly<{ account: LedgerAccount; amountMinor: number }>;

export type Balances = Readonly<Record<LedgerAccount, number>>;

/**
 * Accounts whose balance may never go below zero: every one but `buyerFunds`,
 * the source whose balance is minus everything captured. The three sinks are
 * only ever debited; listing them too makes a corrupt history fail loudly.
 */
export const NON_NEGATIVE_ACCOUNTS: readonly LedgerAccount[] = [
  'escrow',
  'sellerAvailable',
  'payoutPending',
  'feeRevenue',
  'refunds',
  'payouts',
];

export const zeroBalances = (): Balances => ({
  buyerFunds: 0,
  escrow: 0,
  sellerAvailable: 0,
  payoutPending: 0,
  feeRevenue: 0,
  refunds: 0,
  payouts: 0,
});

export const sumOfPostings = (postings: readonly Posting[]): number =>
  postings.reduce((sum, posting) => sum + posting.amountMinor, 0);

/** Builds a balanced entry: each `[from, to, amount]` credits `from` and debits `to`; zero legs are dropped. */
export const transfer = (
  ...legs: readonly (readonly [LedgerAccount, LedgerAccount, number])[]
): Posting[] => {
  const postings: Posting[] = [];
  for (const [from, to, amountMinor] of legs) {
    if (!Number.isSafeInteger(amountMinor) || amountMinor < 0)
      throw new InvariantViolation(`ledger leg ${from}→${to} of ${amountMinor}`);
    if (amountMinor === 0) continue;
    postings.push({ account: from, amountMinor: -amountMinor }, { account: to, amountMinor });
  }
  return postings;
};

/** Applies postings; throws if they do not balance or would overdraw a non-negative account. */
export const post = (balances: Balances, postings: readonly Posting[]): Balances => {
  if (sumOfPostings(postings) !== 0)
    throw new InvariantViolation(`unbalanced ledger entry: ${JSON.stringify(postings)}`);
  const next: Record<LedgerAccount, number> = { ...balances };
  for (const { account, amountMinor } of postings) {
    if (!Number.isSafeInteger(amountMinor))
      throw new InvariantViolation(`posting of ${amountMinor} to ${account}`);
    next[account] += amountMinor;
    if (!Number.isSafeInteger(next[account]))
      throw new InvariantViolation(`ledger account ${account} overflows`);
  }
  for (const account of NON_NEGATIVE_ACCOUNTS)
    if (next[account] < 0) throw new InvariantViolation(`ledger account ${account} would go negative`);
  return next;
};
