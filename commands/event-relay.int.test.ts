import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Expected } from '../infra/event-store/port.ts';
import type { RecordedEvent } from '../infra/event-store/port.ts';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { connectNats } from '../infra/nats.ts';
import { createTestSchema, uniqueName } from '../infra/postgres/test-database.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import { runEventRelay } from './event-relay.ts';
import { migrateCommandJournal } from './open.ts';
import { testNatsConfig } from './test/command-side.ts';

const logger = pino({ level: 'silent' });

describe('event relay to JetStream (real NATS and Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let nc: NatsConnection;
  const streamName = uniqueName('EVT').toUpperCase();
  const prefix = `test.${streamName.toLowerCase()}.evt`;

  beforeAll(async () => {
    db = await createTestSchema('relay', 6);
    store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
    await migrateCommandJournal(db.pool, db.schema);
    nc = await connectNats(testNatsConfig('relay-test'));
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName).catch(() => undefined);
    await nc.close();
    await db.drop();
  });

  const relayUntil = async (count: number): Promise<void> => {
    const controller = new AbortController();
    const jsm = await jetstreamManager(nc);
    const running = runEventRelay({
      nc,
      store,
      pool: db.pool,
      schema: db.schema,
      logger,
      streamName,
      subjectPrefix: prefix,
      signal: controller.signal,
    });
    for (let i = 0; i < 500; i++) {
      const info = await jsm.streams.info(streamName).catch(() => null);
      if (info !== null && info.state.messages >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Let a checkpoint land, then stop.
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await running;
  };

  it('publishes every committed event once, by category and type, and re-publishing adds nothing', async () => {
    await store.append(
      'order-1',
      [
        { type: 'OrderPlaced', data: { n: 1 } },
        { type: 'OrderPaid', data: { n: 2 } },
      ],
      { expectedRevision: Expected.noStream },
    );
    await store.append('inventory-sku1', [{ type: 'StockReceived', data: { n: 3 } }], {
      expectedRevision: Expected.noStream,
    });
    await relayUntil(3);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(streamName)).state.messages).toBe(3);
    const first = await jsm.streams.getMessage(streamName, { seq: 1 });
    expect(first?.subject).toBe(`${prefix}.order.OrderPlaced`);
    const published = first?.json<RecordedEvent>();
    expect(published).toMatchObject({
      streamId: 'order-1',
      revision: 0,
      type: 'OrderPlaced',
      data: { n: 1 },
    });
    expect(first?.header.get('Nats-Msg-Id')).toBe(published?.eventId);
    const third = await jsm.streams.getMessage(streamName, { seq: 3 });
    expect(third?.subject).toBe(`${prefix}.inventory.StockReceived`);

    // A crash before the checkpoint: the relay starts again from the start of the log.
    await db.pool.query(`delete from "${db.schema}".relay_checkpoints`);
    await store.append('order-1', [{ type: 'OrderShipped', data: { n: 4 } }], {
      expectedRevision: Expected.revision(1),
    });
    await relayUntil(4);
    expect((await jsm.streams.info(streamName)).state.messages).toBe(4);
  });
});
