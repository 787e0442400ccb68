import { Expected } from '../../../infra/event-store/port.ts';
import { nodeInsertCeiling, pgbenchInsertCeiling } from '../ceiling.ts';
import type { PgbenchCeiling } from '../ceiling.ts';
import { checkpoint } from '../database.ts';
import { benchEvent, newStreamId, runTag } from '../events.ts';
import { runClosedLoop } from '../load.ts';
import type { ClosedLoopResult } from '../load.ts';
import type { BenchResult, Scenario } from '../types.ts';
import { groupCommitOption, openStore, warmupFor } from './common.ts';

const TARGET_RATIO = 0.7;

/**
 * One event per append, each to a new stream (`Expected.noStream`), N workers
 * over a pool of N. Compared with the same Postgres doing single-row INSERT
 * transactions at the same concurrency, measured right before in this run:
 * pgbench (the stated ceiling) and the Node pg client (same harness as the store).
 */
export const append: Scenario = {
  name: 'append',
  description: 'one event per append to a new stream; ceiling: single-row INSERTs (pgbench and node)',
  defaults: { durationS: 10, concurrency: 32 },
  options: {
    ceiling: {
      type: 'boolean',
      description: 'measure the INSERT ceilings (--no-ceiling skips)',
      default: true,
    },
    ...groupCommitOption,
  },
  run: async (options) => {
    const warmupS = warmupFor(options.durationS);
    let pgbench: PgbenchCeiling | undefined;
    let node: ClosedLoopResult | undefined;
    if (options.values['ceiling'] !== false) {
      pgbench = await pgbenchInsertCeiling(options);
      node = await nodeInsertCeiling(options, warmupS);
    }
    const { store, pool, groupWriters } = await openStore(options, options.concurrency);
    const tag = runTag();
    await checkpoint(options);
    options.log(`append: ${options.concurrency} workers, ${options.durationS} s (+${warmupS} s warm-up)`);
    const result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS,
      signal: options.signal,
      backends: () => options.backendPids('store'),
      op: async (worker, seq) => {
        const outcome = await store.append(newStreamId(tag, worker, seq), [benchEvent(worker, seq)], {
          expectedRevision: Expected.noStream,
        });
        if (!outcome.ok) throw new Error(`unexpected conflict on ${outcome.conflict.streamId}`);
        return undefined;
      },
    });
    await pool.end();
    options.log(`append: ${Math.round(result.opsPerSec)} appends/s`);
    const line: BenchResult = {
      scenario: 'append',
      unit: 'appends',
      opsPerSec: result.opsPerSec,
      p50Ms: result.latency.p50Ms,
      p99Ms: result.latency.p99Ms,
      concurrency: options.concurrency,
      durationS: result.elapsedS,
      ops: result.ops,
      eventsPerAppend: 1,
      groupWriters,
      ceilingOpsPerSec: pgbench?.tps,
      ceilingNodeOpsPerSec: node?.opsPerSec,
      ratioNode: node === undefined ? undefined : result.opsPerSec / node.opsPerSec,
      targetRatio: TARGET_RATIO,
      ceilingPgbench:
        pgbench === undefined
          ? undefined
          : {
              tps: pgbench.tps,
              transactions: pgbench.transactions,
              latencyAverageMs: pgbench.latencyAverageMs,
              command: pgbench.command,
              cpuCores: pgbench.cpu,
              cpuMsPerOp: pgbench.cpuMsPerOp,
            },
      ceilingNode:
        node === undefined
          ? undefined
          : {
              opsPerSec: node.opsPerSec,
              p50Ms: node.latency.p50Ms,
              p99Ms: node.latency.p99Ms,
              ops: node.ops,
              cpuCores: node.cpu,
              cpuMsPerOp: node.cpuMsPerOp,
            },
      cpuCores: result.cpu,
      cpuMsPerOp: result.cpuMsPerOp,
    };
    return [line];
  },
};
