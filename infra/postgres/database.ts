import { createHash } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';

export type PoolOptions = Readonly<{ max?: number; applicationName?: string }>;

export const createPool = (connectionString: string, options: PoolOptions = {}): pg.Pool =>
  new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'commerce-core',
    // A dropped connection must not take the process down: it is logged by the
    // pool owner and the next query gets a fresh connection.
    idleTimeoutMillis: 30_000,
  });

/**
 * A statement Postgres parses and plans once per connection (a named prepared
 * statement) rather than on every call. The name is `prefix` and a digest of
 * the text, so two schemas or two texts never share a name, and it stays under
 * Postgres's 63-byte limit.
 */
export const namedStatement = (prefix: string, text: string): Readonly<{ name: string; text: string }> => ({
  name: `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`,
  text,
});

/** Kysely over an existing pool; closing the Kysely instance ends the pool. */
export const createKysely = <Database>(pool: pg.Pool): Kysely<Database> =>
  new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

/** int8 and xid8 arrive as text; positions and revisions stay exact up to 2^53 and are checked. */
export const toSafeInteger = (value: string | number, what: string): number => {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${String(value)} is beyond 2^53`);
  return n;
};
