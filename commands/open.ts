import type pg from 'pg';
import type { Logger } from 'pino';
import { createKysely } from '../infra/postgres/database.ts';
import { migrate } from '../infra/postgres/migrate.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { CommandBus } from './command-bus.ts';
import type { CommandDefinition } from './definition.ts';
import { CommandJournal } from './journal/command-journal.ts';
import { commandJournalMigrations } from './journal/migrations.ts';
import type { CommandPolicy } from './policy.ts';
import { StreamProcessor } from './stream-processor.ts';
import type { StreamProcessorOptions } from './stream-processor.ts';

export type CommandSideOptions = Readonly<{
  pool: pg.Pool;
  store: PostgresEventStore;
  /** Schema of the command journal; the event store's schema is a fine choice. */
  schema: string;
  definitions: readonly CommandDefinition[];
  /** Server policy the definitions apply (fees, windows): `commandPolicyOf(config)` in production. */
  policy: CommandPolicy;
  logger: Logger;
  clock?: () => Date;
  processor?: Partial<
    Pick<
      StreamProcessorOptions,
      | 'maxGroupSize'
      | 'maxAttempts'
      | 'cacheSize'
      | 'writers'
      | 'parallelBatch'
      | 'maxBatch'
      | 'pipelineDepth'
    >
  >;
}>;

export const migrateCommandJournal = (pool: pg.Pool, schema: string): Promise<readonly string[]> =>
  migrate(createKysely<unknown>(pool), commandJournalMigrations(schema));

/** Migrates the journal and wires journal → stream processor → bus. */
export const openCommandSide = async (
  options: CommandSideOptions,
): Promise<Readonly<{ bus: CommandBus; processor: StreamProcessor }>> => {
  await migrateCommandJournal(options.pool, options.schema);
  const journal = new CommandJournal(options.pool, options.schema);
  const processor = new StreamProcessor({
    pool: options.pool,
    store: options.store,
    journal,
    logger: options.logger,
    ...options.processor,
  });
  return { bus: new CommandBus(options.definitions, processor, options.policy, options.clock), processor };
};
