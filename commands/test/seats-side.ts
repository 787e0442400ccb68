import { pino } from 'pino';
import { openPostgresEventStore } from '../../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import { createTestSchema } from '../../infra/postgres/test-database.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import type { CommandBus } from '../command-bus.ts';
import { openCommandSide } from '../open.ts';
import type { CommandSideOptions } from '../open.ts';
import { commandPolicy } from '../policy.ts';
import type { StreamProcessor } from '../stream-processor.ts';
import { seatsCommands } from './seats.ts';

export type SeatsSide = Readonly<{
  db: TestSchema;
  store: PostgresEventStore;
  bus: CommandBus;
  processor: StreamProcessor;
}>;

/**
 * The command side the command-side integration tests share: a schema of its
 * own on the real Postgres (`db.drop()` removes it), the event store and the
 * journal migrated there, and a bus over the seats test commands.
 */
export const openSeatsSide = async (
  name: string,
  poolSize: number,
  processor?: CommandSideOptions['processor'],
): Promise<SeatsSide> => {
  const db = await createTestSchema(name, poolSize);
  const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
  const side = await openCommandSide({
    pool: db.pool,
    store,
    schema: db.schema,
    definitions: seatsCommands,
    policy: commandPolicy(),
    logger: pino({ level: 'silent' }),
    ...(processor === undefined ? {} : { processor }),
  });
  return { db, store, ...side };
};
