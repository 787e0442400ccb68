import { LatencyRecorder } from './stats.ts';
import type { LatencySummary } from './stats.ts';
import { CpuMeter, cpuMsPerOp } from './cpu.ts';
import type { CpuUsage } from './cpu.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export type ClosedLoopOptions = Readonly<{
  concurrency: number;
  durationS: number;
  /** Seconds of load before measuring (connections warm, JIT warm). Not counted. */
  warmupS?: number;
  signal?: AbortSignal;
  /**
   * One operation of worker `worker` (0-based); `seq` counts that worker's
   * calls. Returns how many units it did (events, rows) when not 1.
   */
  op: (worker: number, seq: number) => Promise<number | undefined>;
  /** This run's backend pids, so their CPU can be told from everyone else's. */
  backends?: () => Promise<readonly number[]>;
}>;

export type ClosedLoopResult = Readonly<{
  ops: number;
  units: number;
  elapsedS: number;
  opsPerSec: number;
  unitsPerSec: number;
  latency: LatencySummary;
  cpu: CpuUsage;
  /** CPU milliseconds per operation: this process, and this run's Postgres backends. */
  cpuMsPerOp: ReturnType<typeof cpuMsPerOp>;
}>;

const now = (): bigint => process.hrtime.bigint();

/**
 * N workers, each doing one operation after the other for the duration
 * (a closed loop: the offered load is whatever the system absorbs). Counts
 * operations started inside the measured window; the window ends when the
 * last of them completes.
 */
export const runClosedLoop = async (options: ClosedLoopOptions): Promise<ClosedLoopResult> => {
  const latency = new LatencyRecorder();
  const warmupNs = BigInt(Math.round((options.warmupS ?? 0) * 1e9));
  const start = now();
  const measureFrom = start + warmupNs;
  const end = measureFrom + BigInt(Math.round(options.durationS * 1e9));
  let ops = 0;
  let units = 0;
  // An array, not a `let`: the workers write it from closures TypeScript cannot follow.
  const failures: Error[] = [];
  let cpu: CpuMeter | undefined;
  const startMeter = (async () => {
    await sleep(Number(warmupNs / 1_000_000n));
    cpu = new CpuMeter((await options.backends?.()) ?? []);
  })();
  const worker = async (w: number): Promise<void> => {
    for (let seq = 0; failures.length === 0 && options.signal?.aborted !== true; seq++) {
      const t0 = now();
      if (t0 >= end) return;
      let n: number | undefined;
      try {
        n = await options.op(w, seq);
      } catch (error) {
        failures.push(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (t0 >= measureFrom) {
        latency.record(now() - t0);
        ops += 1;
        units += n ?? 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const stopped = now();
  await startMeter;
  const usage = (cpu ?? new CpuMeter()).stop();
  const [failure] = failures;
  if (failure !== undefined) throw failure;
  options.signal?.throwIfAborted();
  const elapsedS = Number(stopped - measureFrom) / 1e9;
  return {
    ops,
    units,
    elapsedS,
    opsPerSec: ops / elapsedS,
    unitsPerSec: units / elapsedS,
    latency: latency.summary(),
    cpu: usage,
    cpuMsPerOp: cpuMsPerOp(usage, elapsedS, ops),
  };
};
