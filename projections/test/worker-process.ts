/**
 * A projection worker in a process of its own, for crash tests:
 *   node projections/test/worker-process.ts <schema> [pause-at-batch]
 * With pause-at-batch N it prints "in-batch" inside the N-th batch transaction,
 * after the writes and before the commit, and waits there to be killed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import { createPool } from '../../infra/postgres/database.ts';
import { TEST_DATABASE_URL } from '../../infra/postgres/test-database.ts';
import { startProjectionWorker } from '../runner.ts';

const [schema, pauseAt] = process.argv.slice(2);
if (schema === undefined) throw new Error('usage: worker-process.ts <schema> [pause-at-batch]');
const pool = createPool(TEST_DATABASE_URL, { max: 4, applicationName: `test-worker:${schema}` });
const store = new PostgresEventStore({ pool, schema });
let batches = 0;
const worker = startProjectionWorker({
  pool,
  store,
  schema,
  batchSize: 200,
  lockRetryMs: 50,
  workerId: `child:${process.pid}`,
  beforeCommit: async () => {
    batches += 1;
    if (pauseAt !== undefined && batches === Number(pauseAt)) {
      process.stdout.write('in-batch\n');
      await sleep(600_000);
    }
  },
});
process.stdout.write('started\n');
process.on('SIGTERM', () => {
  void worker.stop().then(() => pool.end());
});
