import pg from 'pg';
import { sql } from 'kysely';
import { createKysely } from '/work/main/infra/postgres/database.ts';
import { appendBatchMigration } from '/work/main/infra/event-store/postgres/migrations/2026-11-23T1400-append-batch.ts';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
const db = createKysely<unknown>(pool);
await sql`drop function if exists exp.append_events_batch`.execute(db);
await appendBatchMigration('exp').up(db);
await pool.end();
