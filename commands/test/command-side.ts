import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { openPostgresEventStore } from '../../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import { connectNats, natsConfigFromEnv } from '../../infra/nats.ts';
import type { NatsConfig } from '../../infra/nats.ts';
import { createTestSchema, uniqueName } from '../../infra/postgres/test-database.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import type { CommandBus } from '../command-bus.ts';
import type { CommandDefinition } from '../definition.ts';
import { startCommandGateway } from '../nats-gateway.ts';
import type { CommandGateway } from '../nats-gateway.ts';
import { openCommandSide } from '../open.ts';
import type { CommandSideOptions } from '../open.ts';
import { commandPolicy } from '../policy.ts';
import type { StreamProcessor } from '../stream-processor.ts';
import { TEST_NATS_URL } from './processes.ts';
import { seatsCommands } from './seats.ts';

const logger = pino({ level: 'silent' });

/** The test NATS server (TEST_NATS_URL, or `url`) without credentials, whatever the environment says. */
export const testNatsConfig = (name: string, url: string = TEST_NATS_URL): NatsConfig =>
  natsConfigFromEnv(url, name, {});

export type TestCommandSide = Readonly<{
  db: TestSchema;
  store: PostgresEventStore;
  bus: CommandBus;
  processor: StreamProcessor;
}>;

/**
 * The command side the command-side integration tests share: a schema of its
 * own on the real Postgres (`db.drop()` removes it), the event store and the
 * journal migrated there, and a bus over `definitions` (the seats test
 * commands unless said otherwise).
 */
export const openTestCommandSide = async (
  name: string,
  poolSize: number,
  options: Readonly<{
    definitions?: readonly CommandDefinition[];
    processor?: CommandSideOptions['processor'];
  }> = {},
): Promise<TestCommandSide> => {
  const db = await createTestSchema(name, poolSize);
  const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
  const side = await openCommandSide({
    pool: db.pool,
    store,
    schema: db.schema,
    definitions: options.definitions ?? seatsCommands,
    policy: commandPolicy(),
    logger,
    ...(options.processor === undefined ? {} : { processor: options.processor }),
  });
  return { db, store, ...side };
};

export type TestGateway = Readonly<{
  /** The subject space of this gateway alone, so parallel runs never answer each other. */
  prefix: string;
  server: NatsConnection;
  client: NatsConnection;
  gateway: CommandGateway;
  /** Drains the gateway (every request taken is answered), then closes both connections. */
  close: () => Promise<void>;
}>;

/** `bus` behind a command gateway on the test NATS server, and a client connection to send requests. */
export const startTestGateway = async (bus: CommandBus, label: string): Promise<TestGateway> => {
  const prefix = `test.${uniqueName(label)}.cmd`;
  const server = await connectNats(testNatsConfig(`${label}-gateway`));
  const client = await connectNats(testNatsConfig(`${label}-client`));
  const started = startCommandGateway(server, bus, logger, { prefix, queue: prefix });
  await server.flush(); // the server has the subscription before the first request
  // A test may drain the gateway itself; closing then does not drain a closed subscription again.
  let drained: Promise<void> | undefined;
  const gateway: CommandGateway = { drain: () => (drained ??= started.drain()) };
  return {
    prefix,
    server,
    client,
    gateway,
    close: async () => {
      await gateway.drain();
      await client.close();
      await server.close();
    },
  };
};
