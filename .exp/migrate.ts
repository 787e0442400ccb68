import pg from 'pg';
import { migrateEventStore } from '/work/main/infra/event-store/postgres/open.ts';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
console.log(await migrateEventStore(pool, process.argv[2] ?? 'exp'));
await pool.end();
