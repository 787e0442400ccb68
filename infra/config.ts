/**
 * Configuration comes from the environment, read once at the process edge and
 * validated; everything below receives a typed `Config`.
 */
export type Config = Readonly<{
  /** Unset means: launch the embedded Postgres under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  host: string;
  natsUrl: string;
  logLevel: string;
  /** Postgres schema of the event store, so it can share a database. */
  eventStoreSchema: string;
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const port = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${name} must be a port number, got "${value}"`);
  return n;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const eventStoreSchema = env['EVENT_STORE_SCHEMA'] ?? 'es';
  if (!SCHEMA_NAME.test(eventStoreSchema)) {
    throw new ConfigError(
      `EVENT_STORE_SCHEMA must be a lower-case SQL identifier, got "${eventStoreSchema}"`,
    );
  }
  return {
    databaseUrl: env['DATABASE_URL'] !== undefined && env['DATABASE_URL'] !== '' ? env['DATABASE_URL'] : null,
    dataDir: env['DATA_DIR'] ?? 'data',
    port: port(env['PORT'], 3000, 'PORT'),
    host: env['HOST'] ?? '0.0.0.0',
    natsUrl: env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    logLevel: env['LOG_LEVEL'] ?? 'info',
    eventStoreSchema,
  };
};
