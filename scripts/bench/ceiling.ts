import { randomUUID } from 'node:crypto';
import { runClosedLoop } from './load.ts';
import type { ClosedLoopResult } from './load.ts';
import { checkpoint, warmPool, withClient } from './database.ts';
import { ceilingPayload } from './events.ts';
import { runPgbench, sqlLiteral } from './pgbench.ts';
import type { PgbenchSummary } from './pgbench.ts';
import type { RunOptions } from './types.ts';
import type { CpuUsage } from './cpu.ts';
import { CpuMeter, NO_CPU, cpuMsPerOp } from './cpu.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The ceiling an append is compared with: the same Postgres doing plain
 * single-row INSERT transactions (a uuid primary key and a jsonb of about an
 * event row's size) at the same concurrency.
 */
const createTable = async (options: RunOptions, table: string): Promise<string> => {
  const name = `"${options.schema}".${table}`;
  await withClient(options.databaseUrl, (client) =>
    client.query(`create table ${name} (id uuid primary key, data jsonb not null)`),
  );
  return name;
};

export type PgbenchCeiling = PgbenchSummary &
  Readonly<{ command: string; cpu: CpuUsage; cpuMsPerOp: ReturnType<typeof cpuMsPerOp> }>;

/** pgbench -c N -j 2 -T S -n -f <one INSERT>: the stated ceiling. */
export const pgbenchInsertCeiling = async (options: RunOptions): Promise<PgbenchCeiling> => {
  const table = await createTable(options, 'ceiling_pgbench');
  await checkpoint(options);
  options.log(`ceiling: pgbench single-row INSERT, ${options.concurrency} clients, ${options.durationS} s`);
  const running = runPgbench({
    databaseUrl: options.databaseUrl,
    script: `insert into ${table} (id, data) values (gen_random_uuid(), ${sqlLiteral(ceilingPayload())});\n`,
    clients: options.concurrency,
    durationS: options.durationS,
    signal: options.signal,
    applicationName: options.applicationName('pgbench'),
  });
  // pgbench's backends end with it: measure their CPU from 1 s in to 0.5 s before the end.
  const measuring = (async () => {
    const seconds = Math.max(1, Math.round(options.durationS)) - 1.5;
    if (seconds <= 0) return { cpu: NO_CPU, seconds: 0 };
    await sleep(1000);
    const meter = new CpuMeter(await options.backendPids('pgbench'));
    const started = process.hrtime.bigint();
    await sleep(seconds * 1000);
    return { cpu: meter.stop(), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  })();
  const [result, { cpu, seconds }] = await Promise.all([running, measuring]);
  options.log(`ceiling: pgbench ${Math.round(result.tps)} tps`);
  return { ...result, cpu, cpuMsPerOp: cpuMsPerOp(cpu, seconds, result.tps * seconds) };
};

/** The same INSERT from the Node pg client, through the same harness as the store. */
export const nodeInsertCeiling = async (options: RunOptions, warmupS: number): Promise<ClosedLoopResult> => {
  const table = await createTable(options, 'ceiling_node');
  const sql = `insert into ${table} (id, data) values ($1, $2)`;
  const payload = ceilingPayload();
  const pool = options.createPool(options.concurrency, 'ceiling');
  try {
    await warmPool(pool, options.concurrency);
    await checkpoint(options);
    options.log(`ceiling: node pg single-row INSERT, ${options.concurrency} workers, ${options.durationS} s`);
    const result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS,
      signal: options.signal,
      backends: () => options.backendPids('ceiling'),
      op: async () => {
        await pool.query(sql, [randomUUID(), payload]);
        return undefined;
      },
    });
    options.log(`ceiling: node ${Math.round(result.opsPerSec)} inserts/s`);
    return result;
  } finally {
    await pool.end();
  }
};
