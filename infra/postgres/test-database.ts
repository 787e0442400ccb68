import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from './database.ts';

/**
 * For integration tests: the real Postgres of the machine (or TEST_DATABASE_URL),
 * with a schema of the test's own so parallel runs never collide.
 */
export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestSchema = Readonly<{ pool: pg.Pool; schema: string; drop: () => Promise<void> }>;

export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export const createTestSchema = (prefix: string, poolSize = 10): Promise<TestSchema> => {
  const schema = uniqueName(prefix);
  const pool = createPool(TEST_DATABASE_URL, { max: poolSize, applicationName: `test:${schema}` });
  return Promise.resolve({
    pool,
    schema,
    drop: async () => {
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    },
  });
};
