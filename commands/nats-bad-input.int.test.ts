/**
 * Bad input over the real wire (NATS request/reply into a gateway serving
 * every command, Postgres behind it): each kind gets its own code, and none
 * writes an event or a journal entry.
 */
import { errors } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import { MAX_PAYLOAD_BYTES } from './command-bus.ts';
import { allCommands } from './definitions/index.ts';
import type { Reply } from './envelope.ts';
import type { CommandBus } from './command-bus.ts';
import { openTestCommandSide, startTestGateway } from './test/command-side.ts';
import type { TestGateway } from './test/command-side.ts';

describe('bad input over NATS (real NATS and Postgres, every command definition)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let wire: TestGateway;
  let client: NatsConnection;
  let prefix: string;

  beforeAll(async () => {
    let bus: CommandBus;
    ({ db, store, bus } = await openTestCommandSide('cmd_badin', 8, { definitions: allCommands }));
    wire = await startTestGateway(bus, 'badin');
    ({ client, prefix } = wire);
  });
  afterAll(async () => {
    await wire.close();
    await db.drop();
  });

  const requestBytes = async (subject: string, payload: Uint8Array): Promise<Reply> =>
    (await client.request(subject, payload, { timeout: 10_000 })).json<Reply>();
  const request = (name: string, body: unknown): Promise<Reply> =>
    requestBytes(`${prefix}.${name}`, new TextEncoder().encode(JSON.stringify(body)));

  const journaled = async (commandId: string): Promise<number> => {
    const { rows } = await db.pool.query<{ n: string }>(
      `select count(*) as n from "${db.schema}".command_results where command_id = $1`,
      [commandId],
    );
    return Number(rows[0]?.n);
  };

  /** Runs `act` and returns the events committed meanwhile (nothing else writes this schema). */
  const eventsDuring = async (act: () => Promise<void>): Promise<readonly RecordedEvent[]> => {
    const head: LogPosition = await store.headPosition();
    await act();
    return store.readAll({ after: head });
  };

  const sku = (): string => `sku-${uuidv7()}`;
  const receive = (s: string, quantity: number) => ({
    sku: s,
    receiptId: `rcpt-${uuidv7()}`,
    quantity,
    at: '2025-03-01T08:00:00.000Z',
  });

  it('the same command id twice: the same answer, one set of events (also when sent at once)', async () => {
    const s = sku();
    const body = { commandId: uuidv7(), data: receive(s, 5) };
    let first: Reply | undefined;
    let again: Reply | undefined;
    const written = await eventsDuring(async () => {
      first = await request('inventory.receive', body);
      again = await request('inventory.receive', body);
    });
    expect(first).toMatchObject({ status: 'accepted', streamId: `inventory-${s}`, revision: 0 });
    expect(again).toEqual(first);
    expect(written.map((e) => e.type)).toEqual(['StockReceived']);

    const racing = { commandId: uuidv7(), data: receive(s, 2) };
    let replies: readonly Reply[] = [];
    const raced = await eventsDuring(async () => {
      replies = await Promise.all(Array.from({ length: 8 }, () => request('inventory.receive', racing)));
    });
    // Equal as JSON values (a reply read back from the journal may order its keys differently).
    for (const reply of replies) expect(reply).toEqual(replies[0]);
    expect(replies[0]).toMatchObject({ status: 'accepted', revision: 1 });
    expect(raced).toHaveLength(1);
    expect(await store.readStream(`inventory-${s}`)).toHaveLength(2);
  });

  it('the same command id with other data or another command: COMMAND_ID_REUSED, nothing written', async () => {
    const s = sku();
    const commandId = uuidv7();
    const data = receive(s, 5);
    const first = await request('inventory.receive', { commandId, data });
    expect(first.status).toBe('accepted');
    const written = await eventsDuring(async () => {
      expect(await request('inventory.receive', { commandId, data: { ...data, quantity: 6 } })).toMatchObject(
        {
          status: 'refused',
          commandId,
          code: 'COMMAND_ID_REUSED',
        },
      );
      expect(
        await request('inventory.adjust', {
          commandId,
          data: { sku: s, adjustmentId: 'adj-1', delta: -1, reason: 'count' },
        }),
      ).toMatchObject({ status: 'refused', code: 'COMMAND_ID_REUSED' });
    });
    expect(written).toEqual([]);
    // The first answer is still the one remembered.
    expect(await request('inventory.receive', { commandId, data })).toEqual(first);
  });

  it('malformed JSON, bad UTF-8 and a bad envelope get their codes and write nothing', async () => {
    const commandId = uuidv7();
    const subject = `${prefix}.inventory.receive`;
    const written = await eventsDuring(async () => {
      expect(
        await requestBytes(subject, new TextEncoder().encode(`{"commandId":"${commandId}","data":{"sku":`)),
      ).toMatchObject({ status: 'refused', commandId: null, code: 'MALFORMED_JSON' });
      expect(await requestBytes(subject, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({
        code: 'MALFORMED_JSON',
      });
      expect(await requestBytes(subject, new Uint8Array())).toMatchObject({ code: 'MALFORMED_JSON' });
      expect(await request('inventory.receive', [1, 2, 3])).toMatchObject({ code: 'INVALID_ENVELOPE' });
      expect(await request('inventory.receive', { data: receive(sku(), 1) })).toMatchObject({
        code: 'INVALID_ENVELOPE',
        commandId: null,
      });
      expect(
        await request('inventory.receive', { commandId, data: receive(sku(), 1), extra: true }),
      ).toMatchObject({ code: 'INVALID_ENVELOPE', commandId });
      expect(
        await request('inventory.receive', { commandId: 'has spaces', data: receive(sku(), 1) }),
      ).toMatchObject({ code: 'INVALID_ENVELOPE' });
    });
    expect(written).toEqual([]);
    expect(await journaled(commandId)).toBe(0);
  });

  it('an unknown command under the prefix is UNKNOWN_COMMAND; outside it NATS has no responders', async () => {
    const commandId = uuidv7();
    const written = await eventsDuring(async () => {
      expect(await request('inventory.teleport', { commandId, data: {} })).toMatchObject({
        status: 'refused',
        commandId,
        code: 'UNKNOWN_COMMAND',
      });
      expect(await request('warehouse.receive', { commandId, data: receive(sku(), 1) })).toMatchObject({
        code: 'UNKNOWN_COMMAND',
      });
      const elsewhere = client.request(`${prefix}-nobody.inventory.receive`, '{}', { timeout: 10_000 });
      await expect(elsewhere).rejects.toSatisfy(
        (error: unknown) => error instanceof errors.RequestError && error.isNoResponders(),
      );
    });
    expect(written).toEqual([]);
    expect(await journaled(commandId)).toBe(0);
  });

  it('wrong types and unknown fields: VALIDATION_FAILED naming the field, nothing written', async () => {
    const s = sku();
    const ids = Array.from({ length: 6 }, () => uuidv7());
    const reserve = {
      sku: s,
      reservationId: 'rsv-1',
      orderId: 'ord-1',
      quantity: 1,
      expiresAt: '2025-03-01T10:35:00.000Z',
    };
    const refusals: Reply[] = [];
    const written = await eventsDuring(async () => {
      refusals.push(
        await request('inventory.receive', { commandId: ids[0], data: { ...receive(s, 1), quantity: '5' } }),
        await request('inventory.receive', { commandId: ids[1], data: { ...receive(s, 1), colour: 'red' } }),
        await request('inventory.reserve', {
          commandId: ids[2],
          data: { ...reserve, expiresAt: 'tomorrow' },
        }),
        await request('order.record-payment-captured', {
          commandId: ids[3],
          data: { orderId: 'ord-1', paymentId: 'pay-1', amount: { amount: 70.5, currency: 'EUR' } },
        }),
        await request('payment.start', {
          commandId: ids[4],
          data: { paymentId: 'pay-1', orderId: 'ord-1', amount: { amount: 7000, currency: 'XBT' } },
        }),
        await request('inventory.receive', {
          commandId: ids[5],
          data: { sku: 's p a c e', receiptId: 'r', quantity: 1 },
        }),
      );
    });
    expect(refusals.map((r) => (r.status === 'refused' ? r.code : r.status))).toEqual(
      Array(6).fill('VALIDATION_FAILED'),
    );
    const paths = (reply: Reply | undefined): readonly unknown[] =>
      reply?.status === 'refused' && Array.isArray(reply.details)
        ? reply.details.map((d) => (d as Readonly<{ path?: unknown }>).path)
        : [];
    expect(paths(refusals[0])).toContain('/quantity');
    expect(paths(refusals[3])).toContain('/amount/amount');
    expect(written).toEqual([]);
    for (const id of ids) expect(await journaled(id)).toBe(0);
  });

  it('business policy sent by a client (fee schedule, answer deadline, return window): VALIDATION_FAILED, nothing written', async () => {
    const ids = Array.from({ length: 3 }, () => uuidv7());
    const at = '2025-03-01T10:00:00.000Z';
    const refusals: Reply[] = [];
    const written = await eventsDuring(async () => {
      refusals.push(
        await request('order.place', {
          commandId: ids[0],
          data: {
            orderId: `ord-${uuidv7()}`,
            buyerId: 'usr-buyer-1',
            currency: 'EUR',
            lines: [
              {
                listingId: 'lst-1',
                sku: sku(),
                sellerId: 'usr-seller-1',
                quantity: 1,
                unitPrice: { amount: 100, currency: 'EUR' },
              },
            ],
            // A buyer's own 0 % fee.
            feeSchedule: {
              id: 'free',
              rateBasisPoints: 0,
              fixedMinor: 0,
              currency: 'EUR',
              rounding: 'half-up',
            },
            at,
          },
        }),
        await request('order.request-cancellation', {
          commandId: ids[1],
          data: {
            orderId: 'ord-1',
            by: 'usr-buyer-1',
            reason: 'r',
            answerDeadline: '2099-01-01T00:00:00.000Z',
            at,
          },
        }),
        await request('order.request-return', {
          commandId: ids[2],
          data: { orderId: 'ord-1', by: 'usr-buyer-1', reason: 'r', returnWindowMillis: 315_360_000_000, at },
        }),
      );
    });
    expect(refusals.map((r) => (r.status === 'refused' ? r.code : r.status))).toEqual(
      Array(3).fill('VALIDATION_FAILED'),
    );
    const paths = (reply: Reply | undefined): readonly unknown[] =>
      reply?.status === 'refused' && Array.isArray(reply.details)
        ? reply.details.map((d) => (d as Readonly<{ path?: unknown }>).path)
        : [];
    expect(paths(refusals[0])).toContain('/feeSchedule');
    expect(paths(refusals[1])).toContain('/answerDeadline');
    expect(paths(refusals[2])).toContain('/returnWindowMillis');
    expect(written).toEqual([]);
    for (const id of ids) expect(await journaled(id)).toBe(0);
  });

  it('negative quantities and amounts are refused by the schema; a domain refusal writes no event either', async () => {
    const s = sku();
    await request('inventory.receive', { commandId: uuidv7(), data: receive(s, 2) });
    const line = {
      listingId: 'lst-1',
      sku: s,
      sellerId: 'usr-seller-1',
      quantity: -1,
      unitPrice: { amount: 100, currency: 'EUR' },
    };
    const reserve = (quantity: number) => ({
      sku: s,
      reservationId: `rsv-${uuidv7()}`,
      orderId: 'ord-1',
      quantity,
      expiresAt: '2025-03-01T10:35:00.000Z',
      at: '2025-03-01T10:00:00.000Z',
    });
    const written = await eventsDuring(async () => {
      for (const quantity of [-3, 0, 1.5])
        expect(
          await request('inventory.reserve', { commandId: uuidv7(), data: reserve(quantity) }),
        ).toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      expect(
        await request('order.place', {
          commandId: uuidv7(),
          data: {
            orderId: 'ord-1',
            buyerId: 'usr-buyer-1',
            currency: 'EUR',
            lines: [line],
          },
        }),
      ).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(
        await request('seller.request-payout', {
          commandId: uuidv7(),
          data: {
            sellerId: 'usr-seller-1',
            by: 'usr-seller-1',
            payoutId: 'po-1',
            amount: { amount: -500, currency: 'EUR' },
          },
        }),
      ).toMatchObject({ code: 'VALIDATION_FAILED' });
      // Well-formed, but more than is on hand: the domain's own code.
      expect(await request('inventory.reserve', { commandId: uuidv7(), data: reserve(3) })).toMatchObject({
        status: 'refused',
        code: 'INSUFFICIENT_STOCK',
      });
    });
    expect(written).toEqual([]);
  });

  it('a payload over 64 KiB is PAYLOAD_TOO_LARGE; a long field under it is VALIDATION_FAILED; nothing written', async () => {
    const commandId = uuidv7();
    const written = await eventsDuring(async () => {
      const huge = { commandId, data: { ...receive(sku(), 1), pad: 'x'.repeat(MAX_PAYLOAD_BYTES) } };
      expect(await request('inventory.receive', huge)).toMatchObject({
        status: 'refused',
        commandId: null,
        code: 'PAYLOAD_TOO_LARGE',
      });
      const long = {
        commandId,
        data: { sku: sku(), adjustmentId: 'adj-1', delta: 1, reason: 'r'.repeat(MAX_PAYLOAD_BYTES - 1000) },
      };
      expect(await request('inventory.adjust', long)).toMatchObject({ code: 'VALIDATION_FAILED', commandId });
    });
    expect(written).toEqual([]);
    expect(await journaled(commandId)).toBe(0);
  });
});
