import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { connectNats } from '../infra/nats.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from './command-bus.ts';
import type { Reply } from './envelope.ts';
import { startCommandGateway } from './nats-gateway.ts';
import { openTestCommandSide, startTestGateway, testNatsConfig } from './test/command-side.ts';
import type { TestGateway } from './test/command-side.ts';

const logger = pino({ level: 'silent' });
const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('NATS command gateway (real NATS and Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;
  let wire: TestGateway;
  let prefix: string;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('cmd_gw', 8));
    wire = await startTestGateway(bus, 'gw');
    ({ prefix } = wire);
  });
  afterAll(async () => {
    await wire.close();
    await db.drop();
  });

  const request = async (name: string, body: unknown): Promise<Reply> => {
    const msg = await wire.client.request(`${prefix}.${name}`, encode(body), { timeout: 10_000 });
    return msg.json<Reply>();
  };

  it('answers accepted over request/reply', async () => {
    const venueId = `v${uuidv7()}`;
    const reply = await request('venue.add-seats', { commandId: uuidv7(), data: { venueId, count: 4 } });
    expect(reply).toMatchObject({ status: 'accepted', streamId: `venue-${venueId}`, revision: 0 });
  });

  it('refuses malformed JSON, unknown subjects, wrong types and huge payloads with their codes, writing nothing', async () => {
    const head = await store.headPosition();
    expect(await request('venue.add-seats', '{"commandId": "x", "data": ')).toMatchObject({
      status: 'refused',
      code: 'MALFORMED_JSON',
    });
    expect(await request('venue.teleport', { commandId: 'c', data: {} })).toMatchObject({
      status: 'refused',
      code: 'UNKNOWN_COMMAND',
    });
    expect(
      await request('venue.add-seats', { commandId: 'c', data: { venueId: 'v', count: 'many' } }),
    ).toMatchObject({
      status: 'refused',
      code: 'VALIDATION_FAILED',
    });
    expect(
      await request('venue.add-seats', { commandId: 'c', data: { venueId: 'v', count: -3 } }),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const huge = { commandId: 'c', data: { venueId: 'v', count: 1, pad: 'x'.repeat(200_000) } };
    expect(await request('venue.add-seats', huge)).toMatchObject({
      status: 'refused',
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await store.readAll({ after: head })).toEqual([]);
  });

  it('two gateways in one queue group share the requests; each request is handled once', async () => {
    const second = await connectNats(testNatsConfig('second'));
    let secondHandled = 0;
    const counting = {
      executeBytes: (name: string, payload: Uint8Array) => {
        secondHandled++;
        return bus.executeBytes(name, payload);
      },
    } as unknown as CommandBus;
    const other = startCommandGateway(second, counting, logger, { prefix, queue: prefix });
    await second.flush();
    try {
      const venueId = `v${uuidv7()}`;
      await request('venue.add-seats', { commandId: uuidv7(), data: { venueId, count: 1000 } });
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          request('venue.hold-seats', { commandId: uuidv7(), data: { venueId, holdId: `h${i}`, count: 1 } }),
        ),
      );
      expect(replies.every((r) => r.status === 'accepted')).toBe(true);
      expect(secondHandled).toBeGreaterThan(0);
      expect(secondHandled).toBeLessThan(61);
      expect((await store.readStream(`venue-${venueId}`)).filter((e) => e.type === 'SeatsHeld')).toHaveLength(
        60,
      );
    } finally {
      await other.drain();
      await second.close();
    }
  });

  it('answers a burst of requests, sent out together, each with its own reply', async () => {
    const venueIds = Array.from({ length: 40 }, () => `v${uuidv7()}`);
    const replies = await Promise.all(
      venueIds.map((venueId, i) =>
        request('venue.add-seats', { commandId: uuidv7(), data: { venueId, count: i + 1 } }),
      ),
    );
    // Replies leave the gateway in batches; each must still reach the request it answers.
    expect(replies.map((r) => (r.status === 'accepted' ? r.streamId : r.code))).toEqual(
      venueIds.map((venueId) => `venue-${venueId}`),
    );
  });

  it('drain answers every request already taken before it resolves', async () => {
    const venueId = `v${uuidv7()}`;
    const pending = Array.from({ length: 30 }, (_, i) =>
      request('venue.add-seats', { commandId: uuidv7(), data: { venueId: `${venueId}${i % 3}`, count: 1 } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    await wire.gateway.drain();
    const settled = await Promise.allSettled(pending);
    const answered = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    // Everything taken before the drain was answered and written; nothing taken was dropped.
    const written = (await Promise.all([0, 1, 2].map((i) => store.readStream(`venue-${venueId}${i}`)))).flat()
      .length;
    expect(answered.every((r) => r.status === 'accepted')).toBe(true);
    expect(written).toBe(answered.length);
  });
});
