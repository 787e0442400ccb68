import type { LedgerAccount } from '../../domain/seller-account/ledger.ts';
import type { SellerAccountEvent } from '../../domain/seller-account/events.ts';
import { assertNever } from '../../domain/shared/index.ts';
import { asMessage, ProjectionError, required } from '../projection.ts';
import type { Projection } from '../projection.ts';
import { sqlRows } from '../rows.ts';
import { balancesSchema } from './tables.ts';

type BalanceRow = {
  seller_id: string;
  currency: string;
  escrow_minor: number;
  available_minor: number;
  payout_pending_minor: number;
  paid_out_minor: number;
  fees_minor: number;
  refunded_minor: number;
  received_minor: number;
  entries: number;
  updated_at: string;
  revision: number;
};

type AmountColumn = Exclude<
  keyof BalanceRow,
  'seller_id' | 'currency' | 'entries' | 'updated_at' | 'revision'
>;

/**
 * Where each ledger account's balance shows. The external accounts are shown
 * as positive totals: `buyerFunds` is minus everything captured, and money
 * that left for refunds or payouts is a debit there.
 */
const COLUMN: Record<LedgerAccount, readonly [AmountColumn, 1 | -1]> = {
  buyerFunds: ['received_minor', -1],
  escrow: ['escrow_minor', 1],
  sellerAvailable: ['available_minor', 1],
  payoutPending: ['payout_pending_minor', 1],
  feeRevenue: ['fees_minor', 1],
  refunds: ['refunded_minor', 1],
  payouts: ['paid_out_minor', 1],
};

const SELLER_EVENT_TYPES: readonly SellerAccountEvent['type'][] = [
  'EscrowHeld',
  'EscrowRefunded',
  'EscrowReleased',
  'PayoutRequested',
  'PayoutPaid',
  'PayoutFailed',
];

const entryTime = (event: SellerAccountEvent): string => {
  switch (event.type) {
    case 'EscrowHeld':
      return event.data.heldAt;
    case 'EscrowRefunded':
      return event.data.refundedAt;
    case 'EscrowReleased':
      return event.data.releasedAt;
    case 'PayoutRequested':
      return event.data.requestedAt;
    case 'PayoutPaid':
      return event.data.paidAt;
    case 'PayoutFailed':
      return event.data.failedAt;
    default:
      return assertNever(event, 'seller account event');
  }
};

const key = (sellerId: string, currency: string): string => `${sellerId}\u0000${currency}`;

/** Seller balances per currency, from the ledger postings. */
export const balancesProjection: Projection = {
  name: 'balances',
  schema: balancesSchema,
  handles: new Set<string>(SELLER_EVENT_TYPES),
  apply: async (db, t, events, store = sqlRows(db, t)) => {
    const messages = events.map((event) => ({ event, message: asMessage<SellerAccountEvent>(event) }));
    const pairs = new Map(
      messages.map(({ message: { data } }) => [
        key(data.sellerId, data.currency),
        [data.sellerId, data.currency] as const,
      ]),
    );
    const balances = new Map(
      (await store.loadByPair<BalanceRow>('balances', ['seller_id', 'currency'], pairs.values())).map((r) => [
        key(r.seller_id, r.currency),
        r,
      ]),
    );
    for (const { event, message } of messages) {
      const { sellerId, currency, postings } = message.data;
      const k = key(sellerId, currency);
      let row = balances.get(k);
      if (row === undefined) {
        row = {
          seller_id: sellerId,
          currency,
          escrow_minor: 0,
          available_minor: 0,
          payout_pending_minor: 0,
          paid_out_minor: 0,
          fees_minor: 0,
          refunded_minor: 0,
          received_minor: 0,
          entries: 0,
          updated_at: entryTime(message),
          revision: event.revision,
        };
        balances.set(k, row);
      }
      let sum = 0;
      for (const posting of postings) {
        const target = COLUMN[posting.account] as (typeof COLUMN)[LedgerAccount] | undefined;
        if (target === undefined) throw new ProjectionError(`unknown ledger account ${posting.account}`);
        const [column, sign] = target;
        row[column] += sign * posting.amountMinor;
        sum += posting.amountMinor;
      }
      if (sum !== 0) throw new ProjectionError(`${event.type} ${event.eventId}: postings do not balance`);
      row.entries += 1;
      row.updated_at = entryTime(message);
      row.revision = event.revision;
    }
    await store.upsert(
      'balances',
      ['seller_id', 'currency'],
      [...pairs.keys()].map((k) => required(balances.get(k), k)),
    );
  },
};
