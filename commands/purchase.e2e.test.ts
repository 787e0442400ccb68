/**
 * The purchase as services drive it: `scripts/start.ts --roles
 * commands,timers,sagas` in a process of its own, commands over NATS, the
 * payment service simulated by sending its outcomes as payment.* commands,
 * and the outcome read from the log in Postgres. The fee schedule and the
 * windows are the server's configuration (FEE_SCHEDULES, …), never the
 * request's; every order line must match its listing as it stands.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFee } from '../domain/fees/index.ts';
import { FEES } from '../domain/order/fixtures.ts';
import {
  balances,
  evolve as evolveSeller,
  initialState as sellerInitial,
} from '../domain/seller-account/index.ts';
import type { SellerAccountEvent } from '../domain/seller-account/index.ts';
import type { RecordedEvent } from '../infra/event-store/port.ts';
import { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { createPool } from '../infra/postgres/database.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import { sagaCommandId } from './sagas/process-manager.ts';
import { commandClient, eventually, startProcess, systemEnv } from './test/processes.ts';
import type { CommandClient, RunningProcess } from './test/processes.ts';

const PAYMENT_WINDOW_S = 20;
const system = systemEnv('e2e_purchase', {
  PAYMENT_WINDOW: `PT${String(PAYMENT_WINDOW_S)}S`,
  AUTO_COMPLETE_WINDOW: 'PT1S',
  CANCELLATION_ANSWER_WINDOW: 'PT1S',
  FEE_SCHEDULES: JSON.stringify([FEES]),
});
const SELLER = 'seller-e2e';
const BUYER = 'buyer-e2e';

describe('purchase end to end (processes over real NATS and Postgres)', () => {
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let handler: RunningProcess;
  let client: CommandClient;
  let seq = 0;
  const id = (what: string): string => `${what}-${String(++seq)}`;
  const nowIso = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString();

  beforeAll(async () => {
    handler = await startProcess(system, ['commands', 'timers', 'sagas']);
    pool = createPool(TEST_DATABASE_URL, { max: 4, applicationName: `test:${system.schema}` });
    store = new PostgresEventStore({ pool, schema: system.schema });
    client = await commandClient(system);
  });
  afterAll(async () => {
    await client.close();
    const code = await handler.stop();
    await store.close();
    await pool.query(`drop schema if exists "${system.schema}" cascade`);
    await pool.query(`drop schema if exists "${system.readModelSchema}" cascade`);
    await pool.end();
    expect(code).toBe(0);
  });

  const ok = async (name: string, data: unknown, correlationId?: string): Promise<void> => {
    const reply = await client.send(name, data, correlationId === undefined ? undefined : { correlationId });
    if (reply.status !== 'accepted') throw new Error(`${name} refused: ${JSON.stringify(reply)}`);
  };
  const stream = (streamId: string): Promise<readonly RecordedEvent[]> => store.readStream(streamId);
  const eventOf = (streamId: string, type: string, timeoutMs?: number): Promise<RecordedEvent> =>
    eventually(
      `${type} in ${streamId}`,
      async () => (await stream(streamId)).find((e) => e.type === type),
      timeoutMs,
    );
  const stock = async (sku: string, quantity: number): Promise<void> => {
    await ok('inventory.receive', { sku, receiptId: id('receipt'), quantity });
  };
  /** The seller's listing of `sku` at `amount`, published (`lst-<sku>`). */
  const listed = async (sku: string, amount: number): Promise<void> => {
    const listingId = `lst-${sku}`;
    await ok('listing.create', {
      listingId,
      sellerId: SELLER,
      title: `Item ${sku}`,
      price: { amount, currency: 'EUR' },
      sku,
    });
    await ok('listing.publish', { listingId, by: SELLER });
  };
  const line = (sku: string, quantity: number, amount: number) => ({
    listingId: `lst-${sku}`,
    sku,
    sellerId: SELLER,
    quantity,
    unitPrice: { amount, currency: 'EUR' },
  });

  /** The payment service: a payment opened at checkout, authorized, captured once the saga asks. */
  const pay = async (orderId: string, total: number, correlationId?: string): Promise<string> => {
    const paymentId = id('pay');
    const money = { amount: total, currency: 'EUR' };
    await ok('payment.start', { paymentId, orderId, amount: money }, correlationId);
    await ok(
      'payment.record-authorization',
      {
        paymentId,
        providerEventId: id('pe'),
        providerReference: 'auth',
        outcome: 'succeeded',
        amount: money,
      },
      correlationId,
    );
    await eventOf(`payment-${paymentId}`, 'CaptureRequested');
    await ok(
      'payment.record-capture',
      { paymentId, providerEventId: id('pe'), providerReference: 'cap', outcome: 'succeeded', amount: money },
      correlationId,
    );
    await eventOf(`order-${orderId}`, 'OrderPaid');
    return paymentId;
  };

  const placeOrder = async (orderId: string, lines: readonly unknown[], at = nowIso()): Promise<void> => {
    await ok('order.place', { orderId, buyerId: BUYER, currency: 'EUR', lines, at });
  };

  const ledgerOf = async (sellerId: string) =>
    balances(
      (await stream(`seller-${sellerId}`)).reduce(
        (state, e) => evolveSeller(state, { type: e.type, data: e.data } as unknown as SellerAccountEvent),
        sellerInitial(),
      ),
    );

  it('places, reserves, pays, ships, delivers and auto-completes an order; the seller is paid minus the fee', async () => {
    const [skuA, skuB, orderId] = [id('sku-a'), id('sku-b'), id('order')];
    const correlationId = id('checkout');
    await stock(skuA, 5);
    await stock(skuB, 2);
    await listed(skuA, 1_250);
    await listed(skuB, 990);
    // Two lines of skuA: one reservation of their sum.
    const lines = [line(skuA, 2, 1_250), line(skuB, 1, 990), line(skuA, 1, 1_250)];
    const total = 3 * 1_250 + 990;
    await ok('order.place', { orderId, buyerId: BUYER, currency: 'EUR', lines, at: nowIso() }, correlationId);
    // The order snapshots the schedule the server has in force for EUR.
    const placed = await eventOf(`order-${orderId}`, 'OrderPlaced');
    expect((placed.data as { feeSchedule: unknown }).feeSchedule).toEqual(FEES);

    await eventOf(`order-${orderId}`, 'OrderStockReserved');
    const reservedA = (await stream(`inventory-${skuA}`)).filter((e) => e.type === 'StockReserved');
    expect(reservedA.map((e) => e.data)).toEqual([
      expect.objectContaining({ reservationId: `${orderId}:${skuA}`, orderId, quantity: 3 }),
    ]);
    expect(reservedA[0]?.metadata).toMatchObject({ correlationId, actor: 'saga:purchase' });

    await pay(orderId, total, correlationId);
    await eventOf(`seller-${SELLER}`, 'EscrowHeld');

    await ok('order.ship', { orderId, by: SELLER, carrier: 'DHL', trackingNumber: id('trk') }, correlationId);
    await eventOf(`inventory-${skuA}`, 'ReservationCommitted');
    await eventOf(`inventory-${skuB}`, 'ReservationCommitted');
    await ok('order.mark-delivered', { orderId }, correlationId);

    // Nobody confirms: the auto-complete timer does, a second after delivery, and escrow is released.
    const completed = await eventOf(`order-${orderId}`, 'OrderCompleted');
    expect(completed.data).toMatchObject({ how: 'auto_completed' });
    expect(completed.metadata).toMatchObject({ actor: 'system:timer', correlationId });
    const released = await eventOf(`seller-${SELLER}`, 'EscrowReleased');
    const fee = computeFee({ amount: total, currency: 'EUR' }, FEES).amount;
    expect(released.data).toMatchObject({
      orderId,
      releasedMinor: total,
      feeMinor: fee,
      sellerNetMinor: total - fee,
    });
    // Its command id is derived from the event that caused it: a replay sends the very same command.
    expect(released.metadata).toMatchObject({
      correlationId,
      commandId: sagaCommandId('settlement', completed.eventId, 'release'),
    });

    expect(await ledgerOf(SELLER)).toMatchObject({
      escrow: 0,
      sellerAvailable: total - fee,
      feeRevenue: fee,
    });
    const [onHandA, onHandB] = await Promise.all(
      [skuA, skuB].map(async (sku) => {
        const events = await stream(`inventory-${sku}`);
        return (events.at(-1)?.data as { onHand: number }).onHand;
      }),
    );
    expect([onHandA, onHandB]).toEqual([2, 1]);
  });

  it('rejects an order when one SKU is short, and releases what was reserved for the others', async () => {
    const [scarce, plenty, orderId] = [id('sku-scarce'), id('sku-plenty'), id('order')];
    await stock(scarce, 1);
    await stock(plenty, 5);
    await listed(scarce, 700);
    await listed(plenty, 500);
    await ok('order.place', {
      orderId,
      buyerId: BUYER,
      currency: 'EUR',
      lines: [line(plenty, 1, 500), line(scarce, 2, 700)],
      at: nowIso(),
    });
    const rejected = await eventOf(`order-${orderId}`, 'OrderRejected');
    expect((rejected.data as { reason: string }).reason).toContain('INSUFFICIENT_STOCK');
    const released = await eventOf(`inventory-${plenty}`, 'ReservationReleased');
    expect(released.data).toMatchObject({
      reservationId: `${orderId}:${plenty}`,
      quantity: 1,
      reason: 'order rejected',
    });
    expect((await stream(`inventory-${scarce}`)).map((e) => e.type)).toEqual(['StockReceived']);
  });

  it('expires an order not paid by its deadline and releases its stock for the next buyer', async () => {
    const [sku, orderId, nextOrderId] = [id('sku-last'), id('order'), id('order')];
    await stock(sku, 1);
    await listed(sku, 4_500);
    // Placed long enough ago that its payment deadline is a second away.
    await ok('order.place', {
      orderId,
      buyerId: BUYER,
      currency: 'EUR',
      lines: [line(sku, 1, 4_500)],
      at: nowIso(-(PAYMENT_WINDOW_S - 1) * 1000),
    });
    await eventOf(`order-${orderId}`, 'OrderStockReserved');
    const expired = await eventOf(`order-${orderId}`, 'OrderExpired');
    expect(expired.metadata).toMatchObject({ actor: 'system:timer' });
    await eventOf(`inventory-${sku}`, 'ReservationReleased');

    await ok('order.place', {
      orderId: nextOrderId,
      buyerId: 'buyer-next',
      currency: 'EUR',
      lines: [line(sku, 1, 4_500)],
      at: nowIso(),
    });
    await eventOf(`order-${nextOrderId}`, 'OrderStockReserved');

    // A payment authorized for the expired order is voided, never captured.
    const paymentId = id('pay');
    const money = { amount: 4_500, currency: 'EUR' };
    await ok('payment.start', { paymentId, orderId, amount: money });
    await ok('payment.record-authorization', {
      paymentId,
      providerEventId: id('pe'),
      providerReference: 'auth-late',
      outcome: 'succeeded',
      amount: money,
    });
    await eventOf(`payment-${paymentId}`, 'VoidRequested');
    expect((await stream(`payment-${paymentId}`)).map((e) => e.type)).not.toContain('CaptureRequested');
  });

  it('accepts an unanswered cancellation at its deadline, refunds the buyer and takes it out of escrow', async () => {
    const [sku, orderId] = [id('sku-cancel'), id('order')];
    const sellerId = SELLER;
    await stock(sku, 1);
    await listed(sku, 3_000);
    await placeOrder(orderId, [line(sku, 1, 3_000)]);
    await eventOf(`order-${orderId}`, 'OrderStockReserved');
    const paymentId = await pay(orderId, 3_000);
    const sellerEntry = (type: string) => () =>
      eventually(`${type} of ${orderId}`, async () =>
        (await stream(`seller-${sellerId}`)).find(
          (e) => e.type === type && (e.data as { orderId: string }).orderId === orderId,
        ),
      );
    await sellerEntry('EscrowHeld')();
    const escrowBefore = (await ledgerOf(sellerId)).escrow;
    // The seller has CANCELLATION_ANSWER_WINDOW (a second here) to answer: the server's window.
    await ok('order.request-cancellation', { orderId, by: BUYER, reason: 'bought twice' });
    const requested = await eventOf(`order-${orderId}`, 'CancellationRequested');
    const { answerDeadline, requestedAt } = requested.data as { answerDeadline: string; requestedAt: string };
    expect(Date.parse(answerDeadline) - Date.parse(requestedAt)).toBe(1000);
    // The seller never answers: the timer accepts for them.
    const cancelled = await eventOf(`order-${orderId}`, 'OrderCancelled');
    expect(cancelled.data).toMatchObject({
      initiatedBy: 'buyer',
      cancelledBy: 'system',
      refundDueMinor: 3_000,
    });
    await eventOf(`inventory-${sku}`, 'ReservationReleased');
    const refundRequested = await eventOf(`payment-${paymentId}`, 'RefundRequested');
    const { refundId } = refundRequested.data as { refundId: string };
    await ok('payment.record-refund', {
      paymentId,
      refundId,
      providerEventId: id('pe'),
      providerReference: 'refund',
      outcome: 'succeeded',
      amount: { amount: 3_000, currency: 'EUR' },
    });
    const refunded = await eventOf(`order-${orderId}`, 'OrderRefunded');
    expect(refunded.data).toMatchObject({ refundId, amountMinor: 3_000, fullyRefunded: true });
    await sellerEntry('EscrowRefunded')();
    expect((await ledgerOf(sellerId)).escrow).toBe(escrowBefore - 3_000);
  });

  it('rejects, before reserving anything, an order for a withdrawn listing or at a stale price', async () => {
    const [gone, repriced, fine] = [id('sku-gone'), id('sku-repriced'), id('sku-fine')];
    for (const sku of [gone, repriced, fine]) {
      await stock(sku, 5);
      await listed(sku, 2_000);
    }
    await ok('listing.withdraw', { listingId: `lst-${gone}`, by: SELLER });
    await ok('listing.change-price', {
      listingId: `lst-${repriced}`,
      price: { amount: 2_400, currency: 'EUR' },
      by: SELLER,
    });

    const [withdrawnOrder, staleOrder, goodOrder] = [id('order'), id('order'), id('order')];
    await placeOrder(withdrawnOrder, [line(fine, 1, 2_000), line(gone, 1, 2_000)]);
    await placeOrder(staleOrder, [line(repriced, 1, 2_000)]);
    await placeOrder(goodOrder, [line(fine, 1, 2_000), line(repriced, 1, 2_400)]);

    const reasonOf = async (orderId: string): Promise<string> =>
      ((await eventOf(`order-${orderId}`, 'OrderRejected')).data as { reason: string }).reason;
    expect(await reasonOf(withdrawnOrder)).toBe(
      `LISTING_NOT_ACTIVE for listing lst-${gone}: listing is withdrawn`,
    );
    expect(await reasonOf(staleOrder)).toBe(
      `PRICE_CHANGED for listing lst-${repriced}: it costs 2400 EUR (minor units), the order says 2000 EUR`,
    );
    // The matching order goes through: every line as its listing says now.
    await eventOf(`order-${goodOrder}`, 'OrderStockReserved');
    const reservedBy = async (sku: string): Promise<readonly unknown[]> =>
      (await stream(`inventory-${sku}`))
        .filter((e) => e.type === 'StockReserved')
        .map((e) => (e.data as { orderId: string }).orderId);
    // Nothing was ever reserved for the rejected orders.
    expect(await reservedBy(fine)).toEqual([goodOrder]);
    expect(await reservedBy(repriced)).toEqual([goodOrder]);
    expect(await reservedBy(gone)).toEqual([]);
  });

  it('resumes after a crash and a full replay of the log without a duplicate effect', async () => {
    const sku = id('sku-crash');
    const orders = Array.from({ length: 20 }, () => id('order'));
    await stock(sku, 100);
    await listed(sku, 100);
    await Promise.all(orders.map((orderId) => placeOrder(orderId, [line(sku, 2, 100)])));
    handler.child.kill('SIGKILL');
    await handler.stop();
    // Every saga forgets where it was: the next process reacts to the whole log again.
    await pool.query(`delete from "${system.schema}".saga_checkpoints`);
    handler = await startProcess(system, ['commands', 'timers', 'sagas']);
    await client.close();
    client = await commandClient(system);

    for (const orderId of orders) await eventOf(`order-${orderId}`, 'OrderStockReserved');
    const reserved = (await stream(`inventory-${sku}`)).filter((e) => e.type === 'StockReserved');
    expect(reserved).toHaveLength(orders.length);
    expect(new Set(reserved.map((e) => (e.data as { orderId: string }).orderId))).toEqual(new Set(orders));
    for (const orderId of orders)
      expect((await stream(`order-${orderId}`)).map((e) => e.type)).toEqual([
        'OrderPlaced',
        'OrderStockReserved',
      ]);
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from "${system.schema}".timers where command->'data'->>'orderId' = any($1::text[])`,
      [orders],
    );
    expect(rows[0]?.n).toBe(orders.length);
  });
});
