import { Expected, START } from '../../../infra/event-store/port.ts';
import type { LogPosition } from '../../../infra/event-store/port.ts';
import { intOption } from '../args.ts';
import { benchEvents, newStreamId, runTag } from '../events.ts';
import { runClosedLoop } from '../load.ts';
import type { Scenario } from '../types.ts';
import { openStore, warmupFor } from './common.ts';

const TARGET_EVENTS_PER_SEC = 150_000;
const SEED_WORKERS = 4;

/**
 * Seeds a log through batched appends, then reads the whole log in order with
 * `readAll({ after, maxCount })` loops, over and over for the duration. With
 * N > 1 each worker is an independent reader (a projection catching up).
 */
export const readAll: Scenario = {
  name: 'read-all',
  description: 'seed a log, then read it whole in order with readAll batches; opsPerSec counts events',
  defaults: { durationS: 10, concurrency: 1 },
  options: {
    events: { type: 'string', description: 'events to seed', default: '200000' },
    batch: { type: 'string', description: 'maxCount of each readAll', default: '1000' },
    'seed-batch': { type: 'string', description: 'events per append when seeding', default: '100' },
  },
  run: async (options) => {
    const total = intOption(options.values, 'events', 200_000);
    const batch = intOption(options.values, 'batch', 1000);
    const seedBatch = intOption(options.values, 'seed-batch', 100);
    const { store, pool } = await openStore(options, Math.max(options.concurrency, SEED_WORKERS));

    options.log(`read-all: seeding ${total} events, ${seedBatch} per append, ${SEED_WORKERS} writers`);
    const tag = runTag();
    const seedStarted = process.hrtime.bigint();
    const appends = Math.ceil(total / seedBatch);
    let next = 0;
    await Promise.all(
      Array.from({ length: SEED_WORKERS }, async (_, worker) => {
        for (let seq = next++; seq < appends && !options.signal.aborted; seq = next++) {
          const count = Math.min(seedBatch, total - seq * seedBatch);
          const outcome = await store.append(newStreamId(tag, worker, seq), benchEvents(worker, seq, count), {
            expectedRevision: Expected.noStream,
          });
          if (!outcome.ok) throw new Error(`unexpected conflict on ${outcome.conflict.streamId}`);
        }
      }),
    );
    options.signal.throwIfAborted();
    const seedS = Number(process.hrtime.bigint() - seedStarted) / 1e9;
    options.log(`read-all: seeded in ${seedS.toFixed(1)} s; vacuum analyze`);
    await pool.query(`vacuum analyze "${options.schema}".events`);

    const warmupS = warmupFor(options.durationS);
    const after: LogPosition[] = Array.from({ length: options.concurrency }, () => START);
    const readInPass: number[] = Array.from({ length: options.concurrency }, () => 0);
    let passes = 0;
    options.log(
      `read-all: ${options.concurrency} reader(s), maxCount ${batch}, ${options.durationS} s (+${warmupS} s warm-up)`,
    );
    const result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS,
      signal: options.signal,
      backends: () => options.backendPids('store'),
      op: async (worker) => {
        const events = await store.readAll({ after: after[worker] ?? START, maxCount: batch });
        const last = events.at(-1);
        readInPass[worker] = (readInPass[worker] ?? 0) + events.length;
        if (last === undefined || events.length < batch) {
          // The end of the log: check it was all there, and start over.
          if (readInPass[worker] !== total) {
            throw new Error(`a pass read ${String(readInPass[worker])} events, expected ${total}`);
          }
          passes += 1;
          readInPass[worker] = 0;
          after[worker] = START;
        } else {
          after[worker] = last.position;
        }
        return events.length;
      },
    });
    await pool.end();
    options.log(`read-all: ${Math.round(result.unitsPerSec)} events/s, ${passes} full passes`);
    return [
      {
        scenario: 'read-all',
        unit: 'events',
        opsPerSec: result.unitsPerSec,
        p50Ms: result.latency.p50Ms,
        p99Ms: result.latency.p99Ms,
        concurrency: options.concurrency,
        durationS: result.elapsedS,
        ops: result.units,
        batchSize: batch,
        batches: result.ops,
        latencyIs: 'per readAll batch',
        fullPasses: passes,
        logEvents: total,
        seedS,
        seedEventsPerSec: total / seedS,
        targetOpsPerSec: TARGET_EVENTS_PER_SEC,
        cpuCores: result.cpu,
        cpuMsPerOp: result.cpuMsPerOp,
      },
    ];
  },
};
