import { START } from '../../../infra/event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../../../infra/event-store/port.ts';
import { readBatches } from '../../../infra/event-store/subscription.ts';
import { intOption } from '../args.ts';
import { runClosedLoop } from '../load.ts';
import type { Scenario } from '../types.ts';
import { SEED_WORKERS, openStore, seedLog, warmupFor } from './common.ts';

const TARGET_EVENTS_PER_SEC = 150_000;

type Pass = AsyncGenerator<readonly RecordedEvent[], void, undefined>;

/**
 * Seeds a log through batched appends, then reads the whole log in order,
 * over and over for the duration: with `readBatches` (`readAll` calls, the
 * next batch read while this one is handled), or with `--read-ahead 0` a plain
 * loop of `readAll({ after, maxCount })`. With N > 1 each worker is an
 * independent reader (a projection catching up).
 */
export const readAll: Scenario = {
  name: 'read-all',
  description: 'seed a log, then read it whole in order with readAll batches; opsPerSec counts events',
  defaults: { durationS: 10, concurrency: 1 },
  options: {
    events: { type: 'string', description: 'events to seed', default: '200000' },
    batch: { type: 'string', description: 'maxCount of each readAll', default: '1000' },
    'seed-batch': { type: 'string', description: 'events per append when seeding', default: '100' },
    'read-ahead': {
      type: 'string',
      description: '1: readBatches (next batch read ahead); 0: one readAll after another',
      default: '1',
    },
  },
  run: async (options) => {
    const total = intOption(options.values, 'events', 200_000);
    const batch = intOption(options.values, 'batch', 1000);
    const seedBatch = intOption(options.values, 'seed-batch', 100);
    const readAhead = options.values['read-ahead'] !== '0';
    const { store, pool } = await openStore(options, Math.max(options.concurrency, SEED_WORKERS));

    const seedS = await seedLog(options, store, pool, { label: 'read-all', total, seedBatch });

    const warmupS = warmupFor(options.durationS);
    const after: LogPosition[] = Array.from({ length: options.concurrency }, () => START);
    const readInPass: number[] = Array.from({ length: options.concurrency }, () => 0);
    const open: (Pass | undefined)[] = Array.from({ length: options.concurrency }, () => undefined);
    let passes = 0;
    const endPass = (worker: number): void => {
      // The end of the log: check it was all there, and start over.
      if (readInPass[worker] !== total) {
        throw new Error(`a pass read ${String(readInPass[worker])} events, expected ${total}`);
      }
      passes += 1;
      readInPass[worker] = 0;
    };
    const readAheadOp = async (worker: number): Promise<number> => {
      for (;;) {
        const pass = (open[worker] ??= readBatches(store, { batchSize: batch }));
        const next = await pass.next();
        if (!next.done) {
          readInPass[worker] = (readInPass[worker] ?? 0) + next.value.length;
          return next.value.length;
        }
        endPass(worker);
        open[worker] = undefined;
      }
    };
    const readAllOp = async (worker: number): Promise<number> => {
      const events = await store.readAll({ after: after[worker] ?? START, maxCount: batch });
      const last = events.at(-1);
      readInPass[worker] = (readInPass[worker] ?? 0) + events.length;
      if (last === undefined || events.length < batch) {
        endPass(worker);
        after[worker] = START;
      } else {
        after[worker] = last.position;
      }
      return events.length;
    };
    options.log(
      `read-all: ${options.concurrency} reader(s), maxCount ${batch}, read-ahead ${String(readAhead)}, ${options.durationS} s (+${warmupS} s warm-up)`,
    );
    const result = await runClosedLoop({
      concurrency: options.concurrency,
      durationS: options.durationS,
      warmupS,
      signal: options.signal,
      backends: () => options.backendPids('store'),
      op: readAhead ? readAheadOp : readAllOp,
    });
    // Ends the passes still open (their reads ahead finish before the pool ends).
    await Promise.all(
      open.map(async (pass) => {
        await pass?.return();
      }),
    );
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
        latencyIs: readAhead ? 'per batch (readBatches, read ahead)' : 'per readAll batch',
        readAhead,
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
