/**
 * The gateway's connection handling over a real NATS and Postgres: a drain
 * answers every request already taken, and a NATS restart does not end the
 * service (the subscription comes back by itself).
 */
import { errors } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { connectNats } from '../infra/nats.ts';
import { startNatsTestServer } from '../infra/nats-test-server.ts';
import type { NatsTestServer } from '../infra/nats-test-server.ts';
import { uniqueName } from '../infra/postgres/test-database.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from './command-bus.ts';
import type { Reply } from './envelope.ts';
import { startCommandGateway } from './nats-gateway.ts';
import { openTestCommandSide, testNatsConfig } from './test/command-side.ts';

const logger = pino({ level: 'silent' });
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** Resolves once `nc` reports a reconnect. */
const reconnected = async (nc: NatsConnection): Promise<void> => {
  for await (const status of nc.status()) if (status.type === 'reconnect') return;
};

describe('NATS connection handling of the command gateway (real NATS and Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    ({ db, store, bus } = await openTestCommandSide('cmd_conn', 8));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('drain: requests taken before it are all answered and written; later ones find no responder', async () => {
    const prefix = `test.${uniqueName('drain')}.cmd`;
    const server = await connectNats(testNatsConfig('drain-gateway'));
    const client = await connectNats(testNatsConfig('drain-client'));
    // Holds every command inside the gateway until released, so the drain
    // certainly starts while all of them are in flight.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let taken = 0;
    let allTaken = (): void => undefined;
    const everyRequestTaken = new Promise<void>((resolve) => {
      allTaken = resolve;
    });
    const count = 25;
    const held = {
      executeBytes: async (name: string, payload: Uint8Array): Promise<Reply> => {
        if (++taken === count) allTaken();
        await gate;
        return bus.executeBytes(name, payload);
      },
    } as unknown as CommandBus;
    const gateway = startCommandGateway(server, held, logger, { prefix, queue: prefix });
    await server.flush(); // the server has the subscription before anyone asks
    try {
      const venueId = `v${uuidv7()}`;
      const pending = Array.from({ length: count }, (_, i) =>
        client.request(
          `${prefix}.venue.add-seats`,
          encode({ commandId: uuidv7(), data: { venueId: `${venueId}-${i % 5}`, count: 1 } }),
          { timeout: 20_000 },
        ),
      );
      await everyRequestTaken;
      let drained = false;
      const draining = gateway.drain().then(() => {
        drained = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(drained).toBe(false);
      release();
      await draining;
      const replies = (await Promise.all(pending)).map((msg) => msg.json<Reply>());
      expect(replies.filter((r) => r.status === 'accepted')).toHaveLength(count);
      const written = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => store.readStream(`venue-${venueId}-${i}`)),
      );
      expect(written.flat()).toHaveLength(count);
      await expect(
        client.request(`${prefix}.venue.add-seats`, encode({ commandId: uuidv7(), data: {} }), {
          timeout: 5000,
        }),
      ).rejects.toSatisfy((error: unknown) => error instanceof errors.RequestError && error.isNoResponders());
    } finally {
      await client.close();
      await server.close();
    }
  });

  describe('across a NATS restart', () => {
    let nats: NatsTestServer;
    beforeAll(async () => {
      nats = await startNatsTestServer();
    });
    afterAll(async () => {
      await nats.kill();
    });

    it('reconnects and keeps serving commands, with idempotency across the gap', async () => {
      const prefix = `test.${uniqueName('restart')}.cmd`;
      const server = await connectNats(testNatsConfig('restart-gateway', nats.url));
      const client = await connectNats(testNatsConfig('restart-client', nats.url));
      const gateway = startCommandGateway(server, bus, logger, { prefix, queue: prefix });
      await server.flush(); // the server has the subscription before anyone asks
      try {
        const venueId = `v${uuidv7()}`;
        const send = async (commandId: string, count: number): Promise<Reply> =>
          (
            await client.request(
              `${prefix}.venue.add-seats`,
              encode({ commandId, data: { venueId, count } }),
              {
                timeout: 10_000,
              },
            )
          ).json<Reply>();
        const firstId = uuidv7();
        const first = await send(firstId, 3);
        expect(first).toMatchObject({ status: 'accepted', revision: 0 });

        const bothBack = Promise.all([reconnected(server), reconnected(client)]);
        await nats.kill();
        await nats.restart();
        await bothBack;

        // The gateway re-subscribes by itself once reconnected; until the server has
        // that subscription a request finds no responder, as it would for any caller.
        const afterRestart = async (commandId: string): Promise<Reply> => {
          for (let attempt = 1; ; attempt++) {
            try {
              return await send(commandId, 4);
            } catch (error) {
              if (!(error instanceof errors.RequestError && error.isNoResponders()) || attempt === 200)
                throw error;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
        };
        expect(await afterRestart(uuidv7())).toMatchObject({ status: 'accepted', revision: 1 });
        expect(await send(firstId, 3)).toEqual(first);
        expect(await store.readStream(`venue-${venueId}`)).toHaveLength(2);
      } finally {
        await gateway.drain();
        await client.close();
        await server.close();
      }
    });
  });
});
