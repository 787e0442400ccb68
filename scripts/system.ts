/**
 * What `scripts/start.ts` and `scripts/migrate.ts` share: the database (the
 * configured one, or the embedded Postgres) and every migration.
 */
import type pg from 'pg';
import { migrateCommandJournal } from '../commands/open.ts';
import type { Config } from '../infra/config.ts';
import { migrateEventStore } from '../infra/event-store/postgres/open.ts';
import type { Logger } from '../infra/logging.ts';
import { embeddedPostgresPortFromEnv, startEmbeddedPostgres } from '../infra/postgres/embedded.ts';
import type { Role } from './roles/role.ts';

export type DatabaseServer = Readonly<{
  connectionString: string;
  embedded: boolean;
  /** Stops the embedded Postgres; nothing for a configured server. */
  stop: () => Promise<void>;
}>;

/** DATABASE_URL when set; otherwise the embedded Postgres under DATA_DIR, started now. */
export const startDatabase = async (
  config: Config,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DatabaseServer> => {
  if (config.databaseUrl !== null) {
    logger.info({ database: redactUrl(config.databaseUrl) }, 'using the Postgres at DATABASE_URL');
    return { connectionString: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  }
  logger.info(
    { dataDir: config.dataDir },
    'no DATABASE_URL: starting the embedded Postgres (the first start initialises it, a few seconds)',
  );
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: embeddedPostgresPortFromEnv(env),
    logger,
  });
  return { connectionString: embedded.connectionString, embedded: true, stop: embedded.stop };
};

/** The URL without its password, for logs. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@');

/**
 * The event store, the command journal, then each role's own tables (every
 * role, selected or not: the API reads what the projections write).
 * Idempotent, and safe when several processes start together.
 */
export const migrateAll = async (
  pool: pg.Pool,
  config: Config,
  logger: Logger,
  allRoles: readonly Role[],
): Promise<void> => {
  const report = (what: string, applied: readonly string[]): void => {
    if (applied.length > 0) logger.info({ applied }, `migrated ${what}`);
  };
  report('the event store', await migrateEventStore(pool, config.eventStoreSchema));
  report('the command journal', await migrateCommandJournal(pool, config.eventStoreSchema));
  for (const role of allRoles) {
    if (role.migrate === undefined) continue;
    await role.migrate({ config, logger: logger.child({ role: role.name }), pool });
  }
  logger.info({ schema: config.eventStoreSchema }, 'migrations up to date');
};
