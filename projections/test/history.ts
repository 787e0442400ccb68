/**
 * Generated marketplace histories for tests and benchmarks: a small simulated
 * world (sellers, listings, stock, orders, payments, ledgers) that emits only
 * events a real command side could have written, each on its stream, in an
 * order that respects every stream and every cause before its effect.
 * Deterministic for a given random source.
 */
import type { FeeSchedule } from '../../domain/fees/index.ts';
import type { InventoryEvent } from '../../domain/inventory/events.ts';
import type { ListingEvent } from '../../domain/listing/events.ts';
import type { OrderEvent } from '../../domain/order/events.ts';
import type { PaymentEvent } from '../../domain/payment/events.ts';
import type { SellerAccountEvent } from '../../domain/seller-account/events.ts';
import type { Posting } from '../../domain/seller-account/ledger.ts';

export type DomainEvent = ListingEvent | InventoryEvent | OrderEvent | PaymentEvent | SellerAccountEvent;
export type GeneratedEvent = Readonly<{ streamId: string; event: DomainEvent }>;

/** A uniform number in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast and good enough to drive a simulation from a seed. */
export const seededRandom = (seed: number): Random => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

type Listing = {
  id: string;
  sellerId: string;
  sku: string;
  price: number;
  status: 'draft' | 'active' | 'soldOut' | 'withdrawn';
};
type Stock = { onHand: number; reserved: number };
type OrderStep =
  'awaiting_payment' | 'paid' | 'cancellation_requested' | 'shipped' | 'delivered' | 'return_requested';
type Order = {
  id: string;
  sellerId: string;
  sku: string;
  listingId: string;
  quantity: number;
  total: number;
  reservationId: string;
  paymentId: string;
  step: OrderStep;
};
type Account = { available: number; pendingPayouts: { id: string; amount: number }[] };

const FEES: FeeSchedule = {
  id: 'standard-2026',
  rateBasisPoints: 1000,
  fixedMinor: 0,
  currency: 'EUR',
  rounding: 'half-even',
};

export type HistoryOptions = Readonly<{
  /** Prefix of every id, so several histories can share one log. */
  tag: string;
  sellers?: number;
  /** Start of business time; each step is one second later. */
  startMs?: number;
}>;

/** Yields events until the caller stops asking. */
export function* generateHistory(random: Random, options: HistoryOptions): Generator<GeneratedEvent> {
  const tag = options.tag;
  const sellers = options.sellers ?? 5;
  let clock = options.startMs ?? Date.parse('2026-11-01T00:00:00.000Z');
  let seq = 0;
  const listings: Listing[] = [];
  const stock = new Map<string, Stock>();
  const open: Order[] = [];
  const accounts = new Map<string, Account>();
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const id = (kind: string): string => `${tag}${kind}${(seq++).toString(36)}`;
  const now = (): string => new Date(clock).toISOString();
  const account = (sellerId: string): Account => {
    let a = accounts.get(sellerId);
    if (a === undefined) {
      a = { available: 0, pendingPayouts: [] };
      accounts.set(sellerId, a);
    }
    return a;
  };
  const transfer = (from: Posting['account'], to: Posting['account'], amount: number): Posting[] =>
    amount === 0
      ? []
      : [
          { account: from, amountMinor: -amount },
          { account: to, amountMinor: amount },
        ];
  const provider = () => ({ providerEventId: id('pe'), providerReference: id('pr') });

  const listing = (l: Listing, event: ListingEvent): GeneratedEvent => ({
    streamId: `listing-${l.id}`,
    event,
  });
  const inventory = (sku: string, event: InventoryEvent): GeneratedEvent => ({
    streamId: `inventory-${sku}`,
    event,
  });
  const order = (o: Order, event: OrderEvent): GeneratedEvent => ({ streamId: `order-${o.id}`, event });
  const payment = (o: Order, event: PaymentEvent): GeneratedEvent => ({
    streamId: `payment-${o.paymentId}`,
    event,
  });
  const seller = (sellerId: string, event: SellerAccountEvent): GeneratedEvent => ({
    streamId: `seller-${sellerId}`,
    event,
  });

  function* createListing(): Generator<GeneratedEvent> {
    const l: Listing = {
      id: id('l'),
      sellerId: `${tag}s${int(0, sellers - 1)}`,
      sku: id('sku'),
      price: int(1, 500) * 100 + int(0, 99),
      status: 'draft',
    };
    listings.push(l);
    const at = now();
    yield listing(l, {
      type: 'ListingCreated',
      data: {
        listingId: l.id,
        sellerId: l.sellerId,
        title: `Item ${l.id} ${pick(['mug', 'lamp', 'chair', 'jacket', 'bike', 'book']) ?? 'thing'}`,
        price: { amount: l.price, currency: 'EUR', currencyExponent: 2 },
        sku: l.sku,
        at,
      },
    });
    const quantity = int(1, 20);
    stock.set(l.sku, { onHand: quantity, reserved: 0 });
    yield inventory(l.sku, {
      type: 'StockReceived',
      data: { sku: l.sku, receiptId: id('r'), quantity, onHand: quantity, receivedAt: at },
    });
    if (random() < 0.9) {
      l.status = 'active';
      yield listing(l, { type: 'ListingPublished', data: { listingId: l.id, by: l.sellerId, at } });
    }
  }

  function* changeListing(l: Listing): Generator<GeneratedEvent> {
    const at = now();
    const roll = random();
    if (l.status === 'withdrawn') return;
    if (roll < 0.5) {
      const previousAmount = l.price;
      l.price = int(1, 500) * 100;
      yield listing(l, {
        type: 'ListingPriceChanged',
        data: {
          listingId: l.id,
          price: { amount: l.price, currency: 'EUR', currencyExponent: 2 },
          previousAmount,
          by: l.sellerId,
          at,
        },
      });
    } else if (roll < 0.6) {
      l.status = 'withdrawn';
      yield listing(l, { type: 'ListingWithdrawn', data: { listingId: l.id, by: l.sellerId, at } });
    } else if (l.status === 'active') {
      l.status = 'soldOut';
      yield listing(l, { type: 'ListingSoldOut', data: { listingId: l.id, at } });
    } else if (l.status === 'soldOut') {
      l.status = 'active';
      yield listing(l, { type: 'ListingBackInStock', data: { listingId: l.id, at } });
    } else {
      l.status = 'active';
      yield listing(l, { type: 'ListingPublished', data: { listingId: l.id, by: l.sellerId, at } });
    }
  }

  function* restock(l: Listing): Generator<GeneratedEvent> {
    const s = stock.get(l.sku);
    if (s === undefined) return;
    const at = now();
    if (random() < 0.7) {
      const quantity = int(1, 10);
      s.onHand += quantity;
      yield inventory(l.sku, {
        type: 'StockReceived',
        data: { sku: l.sku, receiptId: id('r'), quantity, onHand: s.onHand, receivedAt: at },
      });
    } else {
      const delta = -Math.min(s.onHand - s.reserved, int(0, 3));
      if (delta === 0) return;
      s.onHand += delta;
      yield inventory(l.sku, {
        type: 'StockAdjusted',
        data: { sku: l.sku, adjustmentId: id('a'), delta, reason: 'count', onHand: s.onHand, adjustedAt: at },
      });
    }
  }

  function* placeOrder(l: Listing): Generator<GeneratedEvent> {
    const s = stock.get(l.sku);
    if (s === undefined || l.status !== 'active') return;
    const quantity = int(1, 3);
    if (s.onHand - s.reserved < quantity) return;
    const at = now();
    const o: Order = {
      id: id('o'),
      sellerId: l.sellerId,
      sku: l.sku,
      listingId: l.id,
      quantity,
      total: quantity * l.price,
      reservationId: id('res'),
      paymentId: id('p'),
      step: 'awaiting_payment',
    };
    yield order(o, {
      type: 'OrderPlaced',
      data: {
        orderId: o.id,
        buyerId: `${tag}b${int(0, 20)}`,
        sellerId: o.sellerId,
        currency: 'EUR',
        lines: [{ listingId: l.id, sku: l.sku, quantity, unitPriceMinor: l.price, lineTotalMinor: o.total }],
        totalMinor: o.total,
        feeSchedule: FEES,
        placedAt: at,
      },
    });
    s.reserved += quantity;
    const expiresAt = new Date(clock + 1_800_000).toISOString();
    yield inventory(l.sku, {
      type: 'StockReserved',
      data: {
        sku: l.sku,
        reservationId: o.reservationId,
        orderId: o.id,
        quantity,
        expiresAt,
        reservedAt: at,
      },
    });
    yield order(o, {
      type: 'OrderStockReserved',
      data: { orderId: o.id, paymentDeadline: expiresAt, reservedAt: at },
    });
    open.push(o);
  }

  function* refund(o: Order, at: string, amount: number): Generator<GeneratedEvent> {
    const refundId = id('rf');
    yield payment(o, {
      type: 'RefundRequested',
      data: {
        paymentId: o.paymentId,
        orderId: o.id,
        refundId,
        amountMinor: amount,
        currency: 'EUR',
        reason: 'r',
        requestedAt: at,
      },
    });
    yield payment(o, {
      type: 'PaymentRefunded',
      data: {
        ...provider(),
        paymentId: o.paymentId,
        orderId: o.id,
        refundId,
        amountMinor: amount,
        currency: 'EUR',
        refundedTotalMinor: amount,
        refundedAt: at,
      },
    });
    yield seller(o.sellerId, {
      type: 'EscrowRefunded',
      data: {
        sellerId: o.sellerId,
        currency: 'EUR',
        postings: transfer('escrow', 'refunds', amount),
        orderId: o.id,
        refundId,
        amountMinor: amount,
        refundedAt: at,
      },
    });
    yield order(o, {
      type: 'OrderRefunded',
      data: {
        orderId: o.id,
        refundId,
        amountMinor: amount,
        currency: 'EUR',
        totalRefundedMinor: amount,
        fullyRefunded: true,
        refundedAt: at,
      },
    });
  }

  function* advance(o: Order): Generator<GeneratedEvent> {
    const at = now();
    const roll = random();
    const done = (): void => {
      open.splice(open.indexOf(o), 1);
    };
    switch (o.step) {
      case 'awaiting_payment': {
        const s = stock.get(o.sku);
        if (s === undefined) return;
        if (roll < 0.15) {
          s.reserved -= o.quantity;
          yield inventory(o.sku, {
            type: 'ReservationExpired',
            data: {
              sku: o.sku,
              reservationId: o.reservationId,
              orderId: o.id,
              quantity: o.quantity,
              expiredAt: at,
            },
          });
          yield order(o, { type: 'OrderExpired', data: { orderId: o.id, expiredAt: at } });
          done();
          return;
        }
        const money = {
          paymentId: o.paymentId,
          orderId: o.id,
          amountMinor: o.total,
          currency: 'EUR',
        } as const;
        yield payment(o, { type: 'PaymentStarted', data: { ...money, startedAt: at } });
        yield payment(o, { type: 'PaymentAuthorized', data: { ...provider(), ...money, authorizedAt: at } });
        yield payment(o, { type: 'CaptureRequested', data: { ...money, requestedAt: at } });
        yield payment(o, {
          type: 'PaymentCaptured',
          data: { ...provider(), ...money, capturedTotalMinor: o.total, capturedAt: at },
        });
        yield order(o, { type: 'OrderPaid', data: { ...money, paidAt: at } });
        yield seller(o.sellerId, {
          type: 'EscrowHeld',
          data: {
            sellerId: o.sellerId,
            currency: 'EUR',
            postings: transfer('buyerFunds', 'escrow', o.total),
            orderId: o.id,
            grossMinor: o.total,
            heldAt: at,
          },
        });
        s.reserved -= o.quantity;
        s.onHand -= o.quantity;
        yield inventory(o.sku, {
          type: 'ReservationCommitted',
          data: {
            sku: o.sku,
            reservationId: o.reservationId,
            orderId: o.id,
            quantity: o.quantity,
            onHand: s.onHand,
            committedAt: at,
          },
        });
        o.step = 'paid';
        return;
      }
      case 'paid':
        if (roll < 0.1) {
          yield order(o, {
            type: 'CancellationRequested',
            data: {
              orderId: o.id,
              reason: 'changed mind',
              answerDeadline: new Date(clock + 86_400_000).toISOString(),
              requestedAt: at,
            },
          });
          o.step = 'cancellation_requested';
        } else if (roll < 0.15) {
          yield order(o, {
            type: 'OrderCancelled',
            data: {
              orderId: o.id,
              initiatedBy: 'seller',
              cancelledBy: o.sellerId,
              reason: 'out of stock',
              refundDueMinor: o.total,
              currency: 'EUR',
              paymentId: o.paymentId,
              cancelledAt: at,
            },
          });
          yield* refund(o, at, o.total);
          done();
        } else {
          yield order(o, {
            type: 'OrderShipped',
            data: { orderId: o.id, carrier: 'DHL', trackingNumber: id('t'), shippedAt: at },
          });
          o.step = 'shipped';
        }
        return;
      case 'cancellation_requested':
        if (roll < 0.5) {
          yield order(o, {
            type: 'CancellationDeclined',
            data: { orderId: o.id, reason: 'already packed', declinedAt: at },
          });
          o.step = 'paid';
        } else {
          yield order(o, {
            type: 'OrderCancelled',
            data: {
              orderId: o.id,
              initiatedBy: 'buyer',
              cancelledBy: o.sellerId,
              reason: 'changed mind',
              refundDueMinor: o.total,
              currency: 'EUR',
              paymentId: o.paymentId,
              cancelledAt: at,
            },
          });
          yield* refund(o, at, o.total);
          done();
        }
        return;
      case 'shipped':
        yield order(o, { type: 'OrderDelivered', data: { orderId: o.id, deliveredAt: at } });
        o.step = 'delivered';
        return;
      case 'delivered':
        if (roll < 0.1) {
          yield order(o, {
            type: 'ReturnRequested',
            data: { orderId: o.id, reason: 'broken', requestedAt: at },
          });
          o.step = 'return_requested';
          return;
        }
        {
          const fee = Math.round(o.total / 10);
          yield order(o, {
            type: 'OrderCompleted',
            data: {
              orderId: o.id,
              how: roll < 0.5 ? 'confirmed_by_buyer' : 'auto_completed',
              completedAt: at,
              sellerId: o.sellerId,
              feeSchedule: FEES,
            },
          });
          yield seller(o.sellerId, {
            type: 'EscrowReleased',
            data: {
              sellerId: o.sellerId,
              currency: 'EUR',
              postings: [
                ...transfer('escrow', 'feeRevenue', fee),
                ...transfer('escrow', 'sellerAvailable', o.total - fee),
              ],
              orderId: o.id,
              releasedMinor: o.total,
              feeMinor: fee,
              sellerNetMinor: o.total - fee,
              feeScheduleId: FEES.id,
              releasedAt: at,
            },
          });
          account(o.sellerId).available += o.total - fee;
          done();
        }
        return;
      case 'return_requested':
        yield order(o, {
          type: 'ReturnReceived',
          data: {
            orderId: o.id,
            refundDueMinor: o.total,
            currency: 'EUR',
            paymentId: o.paymentId,
            receivedAt: at,
          },
        });
        yield* refund(o, at, o.total);
        done();
        return;
      default: {
        const _exhaustive: never = o.step;
        return _exhaustive;
      }
    }
  }

  function* payout(sellerId: string): Generator<GeneratedEvent> {
    const a = account(sellerId);
    const at = now();
    const pending = a.pendingPayouts.shift();
    if (pending !== undefined) {
      const paid = random() < 0.8;
      if (!paid) a.available += pending.amount;
      yield seller(sellerId, {
        type: paid ? 'PayoutPaid' : 'PayoutFailed',
        data: {
          sellerId,
          currency: 'EUR',
          postings: paid
            ? transfer('payoutPending', 'payouts', pending.amount)
            : transfer('payoutPending', 'sellerAvailable', pending.amount),
          payoutId: pending.id,
          amountMinor: pending.amount,
          ...(paid ? { paidAt: at } : { reason: 'bank refused', failedAt: at }),
        },
      } as SellerAccountEvent);
      return;
    }
    if (a.available <= 0) return;
    const payoutId = id('po');
    const amount = a.available;
    a.available = 0;
    a.pendingPayouts.push({ id: payoutId, amount });
    yield seller(sellerId, {
      type: 'PayoutRequested',
      data: {
        sellerId,
        currency: 'EUR',
        postings: transfer('sellerAvailable', 'payoutPending', amount),
        payoutId,
        amountMinor: amount,
        requestedAt: at,
      },
    });
  }

  for (;;) {
    clock += 1000;
    const roll = random();
    const l = pick(listings);
    const o = pick(open);
    if (l === undefined || roll < 0.12) yield* createListing();
    else if (roll < 0.2) yield* changeListing(l);
    else if (roll < 0.3) yield* restock(l);
    else if (roll < 0.5 || o === undefined) yield* placeOrder(l);
    else if (roll < 0.95) yield* advance(o);
    else yield* payout(`${tag}s${int(0, sellers - 1)}`);
  }
}

/** The first `count` events of a generated history. */
export const takeEvents = (source: Iterator<GeneratedEvent>, count: number): GeneratedEvent[] => {
  const out: GeneratedEvent[] = [];
  while (out.length < count) {
    const next = source.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
};
