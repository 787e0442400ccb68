import { setTimeout as sleep } from 'node:timers/promises';
import { createKysely } from '../../../infra/postgres/database.ts';
import { comparePositions, Expected } from '../../../infra/event-store/port.ts';
import type { LogPosition } from '../../../infra/event-store/port.ts';
import { openPostgresEventStore } from '../../../infra/event-store/postgres/open.ts';
import { migrateReadModels } from '../../../projections/read-models/install.ts';
import { readCheckpoints } from '../../../projections/read-models/status.ts';
import { startProjectionWorker } from '../../../projections/runner.ts';
import { generateHistory, seededRandom } from '../../../projections/test/history.ts';
import type { GeneratedEvent } from '../../../projections/test/history.ts';
import { intOption } from '../args.ts';
import { LatencyRecorder } from '../stats.ts';
import type { Scenario } from '../types.ts';

const TARGET_P99_MS = 200;

type Pending = { position: LogPosition; appendedAt: bigint };

/**
 * Appends a generated marketplace history at a steady rate (a "command" is one
 * append of the events one command writes to one stream: 1 to 4 events),
 * while a projection worker keeps all four read models current, and measures
 * for each append the time from its acknowledgement to the moment every read
 * model's checkpoint has passed it (polled every 2 ms): p50/p99 of that is
 * the lag. The worker uses a store instance of its own, so it finds new
 * events by polling as a worker in another process does.
 */
export const projectionLag: Scenario = {
  name: 'projection-lag',
  description: 'seconds from append to visible in every read model at a steady command rate',
  defaults: { durationS: 10, concurrency: 16 },
  options: {
    rate: { type: 'string', description: 'commands (appends) per second', default: '1000' },
  },
  run: async (options) => {
    const rate = intOption(options.values, 'rate', 1000);
    const writers = options.concurrency;
    const pool = options.createPool(writers + 2, 'store');
    const workerPool = options.createPool(4, 'projections');
    const store = await openPostgresEventStore({ pool, schema: options.schema });
    await migrateReadModels(pool, options.schema);
    const workerStore = await openPostgresEventStore({ pool: workerPool, schema: options.schema });
    const worker = startProjectionWorker({ pool: workerPool, store: workerStore, schema: options.schema });
    const db = createKysely<unknown>(workerPool);

    // One queue per writer, by stream: a stream's appends stay in order.
    const queues: GeneratedEvent[][][] = Array.from({ length: writers }, () => []);
    const writerOf = (streamId: string): number => {
      let h = 0;
      for (let i = 0; i < streamId.length; i++) h = (h * 31 + streamId.charCodeAt(i)) | 0;
      return Math.abs(h) % writers;
    };
    const source = generateHistory(seededRandom(42), { tag: 'lag', sellers: 100 });
    let lookahead = source.next();
    const nextCommand = (): GeneratedEvent[] => {
      const out: GeneratedEvent[] = [];
      while (lookahead.done !== true && (out.length === 0 || out[0]?.streamId === lookahead.value.streamId)) {
        out.push(lookahead.value);
        lookahead = source.next();
      }
      return out;
    };

    const pending: Pending[] = [];
    const lag = new LatencyRecorder();
    let measuring = false;
    let appended = 0;
    let stop = false;
    const wake: (() => void)[] = Array.from({ length: writers }, () => () => undefined);

    const writer = async (k: number): Promise<void> => {
      const queue = queues[k] ?? [];
      while (!stop || queue.length > 0) {
        const command = queue.shift();
        if (command === undefined) {
          await new Promise<void>((resolve) => {
            wake[k] = resolve;
          });
          continue;
        }
        const streamId = command[0]?.streamId ?? '';
        const outcome = await store.append(
          streamId,
          command.map((e) => ({ type: e.event.type, data: e.event.data })),
          { expectedRevision: Expected.any },
        );
        if (!outcome.ok) throw new Error(`conflict on ${streamId}`);
        appended++;
        if (measuring) pending.push({ position: outcome.position, appendedAt: process.hrtime.bigint() });
      }
    };

    const watcher = async (): Promise<void> => {
      while (!stop || pending.length > 0) {
        if (pending.length > 0) {
          const checkpoints = [...(await readCheckpoints(db, options.schema)).values()];
          const now = process.hrtime.bigint();
          for (let i = pending.length - 1; i >= 0; i--) {
            const p = pending[i];
            if (p !== undefined && checkpoints.every((c) => comparePositions(c, p.position) >= 0)) {
              lag.record(now - p.appendedAt);
              pending.splice(i, 1);
            }
          }
        }
        await sleep(2);
      }
    };

    const warmupS = Math.min(2, options.durationS / 5);
    options.log(
      `projection-lag: ${rate} commands/s, ${writers} writers, ${options.durationS} s (+${warmupS} s warm-up)`,
    );
    const writing = Array.from({ length: writers }, (_, k) => writer(k));
    const watching = watcher();
    const started = process.hrtime.bigint();
    const totalS = warmupS + options.durationS;
    let sent = 0;
    let measuredFrom = 0;
    let backlog = 0;
    while (!options.signal.aborted) {
      const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
      if (elapsedS >= totalS) break;
      if (!measuring && elapsedS >= warmupS) {
        measuring = true;
        measuredFrom = appended;
      }
      // Open loop: commands are due at a steady rate whatever the writers manage.
      const due = Math.floor(elapsedS * rate);
      for (; sent < due; sent++) {
        const command = nextCommand();
        const k = writerOf(command[0]?.streamId ?? '');
        queues[k]?.push(command);
        wake[k]?.();
      }
      backlog = Math.max(
        backlog,
        queues.reduce((n, q) => n + q.length, 0),
      );
      await sleep(1);
    }
    const measuredS = Number(process.hrtime.bigint() - started) / 1e9 - warmupS;
    const measuredAppends = appended - measuredFrom;
    stop = true;
    for (const w of wake) w();
    await Promise.all(writing);
    await watching;
    await worker.stop();
    const summary = lag.summary();
    return [
      {
        scenario: 'projection-lag',
        unit: 'commands',
        opsPerSec: measuredAppends / measuredS,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        concurrency: writers,
        durationS: measuredS,
        ops: measuredAppends,
        latencyIs: 'append acknowledged → every read model checkpoint past it (polled every 2 ms)',
        lagP50S: summary.p50Ms / 1000,
        lagP99S: summary.p99Ms / 1000,
        lagMaxS: summary.maxMs / 1000,
        targetRate: rate,
        maxQueuedCommands: backlog,
        targetP99Ms: TARGET_P99_MS,
      },
    ];
  },
};
