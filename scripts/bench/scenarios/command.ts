import { readFileSync, readdirSync } from 'node:fs';
import { PostgresEventStore } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type { RecordedEvent } from '../../../infra/event-store/port.ts';
import { commandClient, startProcess } from '../../../commands/test/processes.ts';
import type { CommandClient, RunningProcess, SystemEnv } from '../../../commands/test/processes.ts';
import { auditStock } from '../../../commands/test/stock-audit.ts';
import { parseProcStat } from '../cpu.ts';
import { withClient } from '../database.ts';
import { runTag } from '../events.ts';
import { runClosedLoop } from '../load.ts';
import type { ClosedLoopResult } from '../load.ts';
import type { BenchResult, RunOptions, Scenario } from '../types.ts';
import { warmupFor } from './common.ts';

const EXPIRES_AT = '2099-01-01T00:00:00.000Z';

type Handler = Readonly<{ process: RunningProcess; client: CommandClient; system: SystemEnv }>;

/**
 * A real handler process (`scripts/start.ts --roles commands`) on this run's
 * schema and NATS subjects of its own; the benchmark is a service sending it
 * commands over NATS request/reply.
 */
const startHandler = async (options: RunOptions): Promise<Handler> => {
  const commandPrefix = `bench.${options.schema}.cmd`;
  const system: SystemEnv = {
    schema: options.schema,
    readModelSchema: `${options.schema}_rm`,
    commandPrefix,
    env: {
      DATABASE_URL: options.databaseUrl,
      NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
      EVENT_STORE_SCHEMA: options.schema,
      READ_MODEL_SCHEMA: `${options.schema}_rm`,
      COMMAND_SUBJECT_PREFIX: commandPrefix,
      COMMAND_QUEUE_GROUP: commandPrefix,
      PORT: '0',
      HOST: '127.0.0.1',
    },
  };
  options.log('starting a handler process: scripts/start.ts --roles commands');
  const handler = await startProcess(system, ['commands']);
  return { process: handler, client: await commandClient(system), system };
};

const stopHandler = async (options: RunOptions, handler: Handler): Promise<void> => {
  await handler.client.close();
  const code = await handler.process.stop();
  if (code !== 0)
    options.log(`handler exited with ${String(code)}:\n${handler.process.output().slice(-2000)}`);
  await withClient(options.databaseUrl, (client) =>
    client.query(`drop schema if exists "${handler.system.readModelSchema}" cascade`),
  );
};

/** CPU seconds the process has used so far (utime + stime). */
const cpuSeconds = (pid: number | undefined): number => {
  if (pid === undefined) return 0;
  try {
    return (parseProcStat(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'))?.ticks ?? 0) / 100;
  } catch {
    return 0;
  }
};

/** The nats-server process(es) on this machine, by command name: their CPU per command is reported too. */
const natsServerPids = (): readonly number[] => {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parseProcStat(readFileSync(`/proc/${entry}/stat`, 'latin1'))?.comm === 'nats-server')
        pids.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
};

/**
 * The handler's Postgres backends: its pool's connections are all named
 * `commerce-core`, so they are told from other runs' by the schema their last
 * statement named (every handler statement is schema-qualified).
 */
const handlerBackendPids = (options: RunOptions): Promise<readonly number[]> =>
  withClient(options.databaseUrl, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where application_name = 'commerce-core' and position($1 in query) > 0`,
      [options.schema],
    );
    return rows.map((row) => row.pid);
  });

/** `count` calls of `fn`, `concurrency` at a time. */
const forEachConcurrently = async (
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
};

const receive = async (client: CommandClient, sku: string, quantity: number): Promise<void> => {
  const reply = await client.send('inventory.receive', { sku, receiptId: 'bench-stock', quantity });
  if (reply.status !== 'accepted') throw new Error(`stocking ${sku} refused: ${JSON.stringify(reply)}`);
};

type Measured = Readonly<{
  result: ClosedLoopResult;
  handlerCpuCores: number;
  /** CPU milliseconds per command in each process that takes part. */
  cpuMsPerOp: Readonly<{ handler: number; backends: number; natsServer: number; bench: number }>;
}>;

const measure = async (
  options: RunOptions,
  handler: Handler,
  op: (worker: number, seq: number) => Promise<number | undefined>,
): Promise<Measured> => {
  const pid = handler.process.child.pid;
  const nats = natsServerPids();
  const natsSeconds = (): number => nats.reduce((sum, p) => sum + cpuSeconds(p), 0);
  const cpuBefore = cpuSeconds(pid);
  const natsBefore = natsSeconds();
  // The load generator shares the machine with what it measures, so it should cost little. nats.js
  // builds an Error, stack trace and all, each time it resolves a request (it cancels the request
  // with one once answered): a fifth of this process's CPU. No stack traces while measuring.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let result: Awaited<ReturnType<typeof runClosedLoop>>;
  try {
    result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS: warmupFor(options.durationS),
      signal: options.signal,
      op,
      backends: () => handlerBackendPids(options),
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const warmupS = warmupFor(options.durationS);
  // The handler and NATS are counted over warm-up and window alike; so are their commands.
  const allOps = result.ops * ((result.elapsedS + warmupS) / result.elapsedS);
  const perOp = (seconds: number): number => (allOps > 0 ? (seconds * 1000) / allOps : 0);
  const handlerSeconds = cpuSeconds(pid) - cpuBefore;
  return {
    result,
    handlerCpuCores: handlerSeconds / (result.elapsedS + warmupS),
    cpuMsPerOp: {
      handler: perOp(handlerSeconds),
      backends: result.cpuMsPerOp.backends,
      natsServer: perOp(natsSeconds() - natsBefore),
      bench: result.cpuMsPerOp.node,
    },
  };
};

const reserve = (
  client: CommandClient,
  sku: string,
  worker: number,
  seq: number,
  tag: string,
): ReturnType<CommandClient['send']> =>
  client.send('inventory.reserve', {
    sku,
    reservationId: `r-${tag}-${String(worker)}-${String(seq)}`,
    orderId: `o-${tag}-${String(worker)}-${String(seq)}`,
    quantity: 1,
    expiresAt: EXPIRES_AT,
  });

const common = (options: RunOptions, measured: Measured): BenchResult => ({
  scenario: options.scenario,
  unit: 'commands',
  opsPerSec: measured.result.opsPerSec,
  p50Ms: measured.result.latency.p50Ms,
  p99Ms: measured.result.latency.p99Ms,
  maxMs: measured.result.latency.maxMs,
  concurrency: options.concurrency,
  durationS: measured.result.elapsedS,
  ops: measured.result.ops,
  handlerProcesses: 1,
  handlerCpuCores: measured.handlerCpuCores,
  cpuMsPerOp: measured.cpuMsPerOp,
  benchCpuCores: measured.result.cpu.node,
  machineBusyCores: measured.result.cpu.machineBusy,
  cores: measured.result.cpu.cores,
});

/** inventory.reserve over NATS, spread over many pre-stocked SKUs. */
export const command: Scenario = {
  name: 'command',
  description: 'inventory.reserve over NATS to a handler process, spread over 10,000 pre-stocked SKUs',
  defaults: { durationS: 10, concurrency: 32 },
  options: {
    skus: { type: 'string', description: 'SKUs to spread the reservations over', default: '10000' },
  },
  run: async (options) => {
    const skuCount = Number(options.values['skus'] ?? 10_000);
    if (!Number.isInteger(skuCount) || skuCount < 1) throw new Error('--skus must be a positive integer');
    const tag = runTag();
    const handler = await startHandler(options);
    try {
      const sku = (i: number): string => `sku-${tag}-${String(i)}`;
      options.log(`stocking ${String(skuCount)} SKUs`);
      await forEachConcurrently(skuCount, 64, (i) => receive(handler.client, sku(i), 1_000_000));
      options.log(`command: ${String(options.concurrency)} workers, ${String(options.durationS)} s`);
      const measured = await measure(options, handler, async (worker, seq) => {
        // Spread, and different for every (worker, seq): a multiplicative hash over the SKUs.
        const index = ((worker + 1) * 7_919 + seq * 104_729) % skuCount;
        const reply = await reserve(handler.client, sku(index), worker, seq, tag);
        if (reply.status !== 'accepted') throw new Error(`reserve refused: ${JSON.stringify(reply)}`);
        return undefined;
      });
      options.log(`command: ${String(Math.round(measured.result.opsPerSec))} commands/s`);
      return [
        {
          ...common(options, measured),
          skus: skuCount,
          targetOpsPerSec: 4_000,
          targetP99Ms: 50,
        },
      ];
    } finally {
      await stopHandler(options, handler);
    }
  },
};

/**
 * One hot SKU (a drop): every worker reserves a unit of the same SKU. Group
 * commit answers each command on its own; refusals (sold out) are answers too.
 * Afterwards the SKU's log is audited: reserved + committed ≤ received at
 * every revision.
 */
export const commandHot: Scenario = {
  name: 'command-hot',
  description:
    'inventory.reserve over NATS to a handler process, all on one SKU; audits the log for oversell',
  defaults: { durationS: 10, concurrency: 32 },
  options: {
    stock: { type: 'string', description: 'units of the hot SKU in stock', default: '1000000' },
  },
  run: async (options) => {
    const stock = Number(options.values['stock'] ?? 1_000_000);
    if (!Number.isInteger(stock) || stock < 1) throw new Error('--stock must be a positive integer');
    const tag = runTag();
    const sku = `hot-${tag}`;
    const handler = await startHandler(options);
    try {
      await receive(handler.client, sku, stock);
      let accepted = 0;
      let refused = 0;
      options.log(
        `command-hot: ${String(options.concurrency)} workers on ${sku}, ${String(options.durationS)} s`,
      );
      const measured = await measure(options, handler, async (worker, seq) => {
        const reply = await reserve(handler.client, sku, worker, seq, tag);
        if (reply.status === 'accepted') accepted += 1;
        else if (reply.code === 'INSUFFICIENT_STOCK') refused += 1;
        else throw new Error(`reserve refused: ${JSON.stringify(reply)}`);
        return undefined;
      });
      options.log(
        `command-hot: ${String(Math.round(measured.result.opsPerSec))} commands/s; auditing the log`,
      );
      const pool = options.createPool(2, 'audit');
      const store = new PostgresEventStore({ pool, schema: options.schema });
      // Page through the whole stream: one read returns at most the store's read limit.
      const events: RecordedEvent[] = [];
      for (let page = await store.readStream(`inventory-${sku}`); page.length > 0;) {
        events.push(...page);
        page = await store.readStream(`inventory-${sku}`, { fromRevision: events.length });
      }
      const ledger = auditStock(events);
      const reservations = events.filter((e) => e.type === 'StockReserved').length;
      await store.close();
      return [
        {
          ...common(options, measured),
          stock,
          accepted,
          refused,
          reservationsInLog: reservations,
          reservedUnits: ledger.reserved,
          oversold: ledger.oversold + (ledger.reserved + ledger.committed > ledger.received ? 1 : 0),
          targetOpsPerSec: 2_500,
        },
      ];
    } finally {
      await stopHandler(options, handler);
    }
  },
};
