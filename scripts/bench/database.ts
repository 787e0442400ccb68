import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { RunOptions } from './types.ts';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const databaseUrl = (env: NodeJS.ProcessEnv = process.env): string =>
  [env['BENCH_DATABASE_URL'], env['DATABASE_URL']].find((url) => url !== undefined && url !== '') ??
  DEFAULT_DATABASE_URL;

/** `bench_<scenario>_<time>_<random>`: a lower-case identifier unique to this run. */
export const benchSchemaName = (scenario: string): string =>
  `bench_${scenario.replaceAll(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export const newPool = (url: string, max: number, applicationName: string): pg.Pool =>
  new pg.Pool({ connectionString: url, max, application_name: applicationName, idleTimeoutMillis: 0 });

/** Opens `count` connections now, so connecting is not measured. */
export const warmPool = async (pool: pg.Pool, count: number): Promise<void> => {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
};

/** Runs `fn` on a single short-lived connection. */
export const withClient = async <T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url, application_name: 'bench:admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

/**
 * A CHECKPOINT before each measured phase, so every phase starts from the
 * same state (full-page writes after a checkpoint cost the same for all).
 * Best effort: a role without the right simply skips it.
 */
export const checkpoint = async (options: RunOptions): Promise<void> => {
  try {
    await withClient(options.databaseUrl, (client) => client.query('checkpoint'));
  } catch (error) {
    options.log(`checkpoint skipped: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** Pids of the backends whose application_name is `applicationName`. */
export const backendPids = (url: string, applicationName: string): Promise<readonly number[]> =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    return rows.map((row) => row.pid);
  });
