import { Expected } from '../../../infra/event-store/port.ts';
import { intOption } from '../args.ts';
import { checkpoint } from '../database.ts';
import { benchEvents, newStreamId, runTag } from '../events.ts';
import { runClosedLoop } from '../load.ts';
import type { Scenario } from '../types.ts';
import { groupCommitOption, openStore, warmupFor } from './common.ts';

const TARGET_EVENTS_PER_SEC = 40_000;

/** Batches of events per append, each to a new stream; `opsPerSec` counts events. */
export const appendBatch: Scenario = {
  name: 'append-batch',
  description: '10 events per append to a new stream; opsPerSec counts events',
  defaults: { durationS: 10, concurrency: 32 },
  options: {
    'events-per-append': { type: 'string', description: 'events in each append', default: '10' },
    ...groupCommitOption,
  },
  run: async (options) => {
    const perAppend = intOption(options.values, 'events-per-append', 10);
    const warmupS = warmupFor(options.durationS);
    const { store, pool, groupWriters } = await openStore(options, options.concurrency);
    const tag = runTag();
    await checkpoint(options);
    options.log(
      `append-batch: ${perAppend} events per append, ${options.concurrency} workers, ${options.durationS} s (+${warmupS} s warm-up)`,
    );
    const result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS,
      signal: options.signal,
      backends: () => options.backendPids('store'),
      op: async (worker, seq) => {
        const events = benchEvents(worker, seq, perAppend);
        const outcome = await store.append(newStreamId(tag, worker, seq), events, {
          expectedRevision: Expected.noStream,
        });
        if (!outcome.ok) throw new Error(`unexpected conflict on ${outcome.conflict.streamId}`);
        return events.length;
      },
    });
    await pool.end();
    options.log(`append-batch: ${Math.round(result.unitsPerSec)} events/s`);
    return [
      {
        scenario: 'append-batch',
        unit: 'events',
        opsPerSec: result.unitsPerSec,
        p50Ms: result.latency.p50Ms,
        p99Ms: result.latency.p99Ms,
        concurrency: options.concurrency,
        durationS: result.elapsedS,
        ops: result.units,
        eventsPerAppend: perAppend,
        groupWriters,
        appendsPerSec: result.opsPerSec,
        appends: result.ops,
        latencyIs: 'per append',
        targetOpsPerSec: TARGET_EVENTS_PER_SEC,
        cpuCores: result.cpu,
        cpuMsPerOp: result.cpuMsPerOp,
      },
    ];
  },
};
