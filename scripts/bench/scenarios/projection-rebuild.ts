import { openPostgresEventStore } from '../../../infra/event-store/postgres/open.ts';
import { START } from '../../../infra/event-store/port.ts';
import type { LogPosition } from '../../../infra/event-store/port.ts';
import { migrateReadModels } from '../../../projections/read-models/install.ts';
import { projectionNames } from '../../../projections/read-models/projections.ts';
import { rebuildProjections } from '../../../projections/rebuild.ts';
import { bulkLoad } from '../../../projections/test/bulk-load.ts';
import type { LoaderState } from '../../../projections/test/bulk-load.ts';
import { generateHistory, seededRandom, takeEvents } from '../../../projections/test/history.ts';
import { intOption } from '../args.ts';
import { CpuMeter, cpuMsPerOp } from '../cpu.ts';
import { warmPool } from '../database.ts';
import { LatencyRecorder } from '../stats.ts';
import type { Scenario } from '../types.ts';

const TARGET_EVENTS_PER_SEC = 30_000;
const SEED_CHUNK = 10_000;

/**
 * Seeds a generated marketplace history (listings, stock, orders, payments,
 * ledgers), then rebuilds every read model from position zero with
 * `rebuildProjections` (the code behind scripts/rebuild.ts): opsPerSec counts
 * log events folded per second. The ceiling is one plain pass reading the same
 * log with readAll batches of the same size: a rebuild cannot read faster.
 * The duration option is not used: the run takes as long as the history.
 * CPU: this process and the backends of its pool (the rebuild's connections),
 * per event, so runs on a busy machine can still be compared.
 */
export const projectionRebuild: Scenario = {
  name: 'projection-rebuild',
  description: 'rebuild every read model from a generated history (default 1,000,000 events); events/s',
  defaults: { durationS: 0, concurrency: 1 },
  options: {
    events: { type: 'string', description: 'events in the generated history', default: '1000000' },
    batch: {
      type: 'string',
      description: 'events per read (and per transaction once caught up)',
      default: '10000',
    },
    flush: {
      type: 'string',
      description: 'first pass: events folded in memory between two commits',
      default: '50000',
    },
  },
  run: async (options) => {
    const total = intOption(options.values, 'events', 1_000_000);
    const batchSize = intOption(options.values, 'batch', 10_000);
    const flushEvents = intOption(options.values, 'flush', 50_000);
    const pool = options.createPool(6, 'projections');
    const store = await openPostgresEventStore({ pool, schema: options.schema });
    await migrateReadModels(pool, options.schema);

    options.log(`projection-rebuild: seeding ${total} generated events`);
    const seedStarted = process.hrtime.bigint();
    const source = generateHistory(seededRandom(20261123), { tag: 'b', sellers: 1000 });
    const state: LoaderState = new Map();
    for (let loaded = 0; loaded < total && !options.signal.aborted; loaded += SEED_CHUNK) {
      await bulkLoad(pool, options.schema, takeEvents(source, Math.min(SEED_CHUNK, total - loaded)), state);
      if (loaded % 100_000 === 0) options.log(`projection-rebuild: seeded ${loaded}`);
    }
    options.signal.throwIfAborted();
    const seedS = Number(process.hrtime.bigint() - seedStarted) / 1e9;
    await pool.query(`vacuum analyze "${options.schema}".events`);

    options.log('projection-rebuild: ceiling, one readAll pass');
    const readStarted = process.hrtime.bigint();
    let read = 0;
    for (let after: LogPosition = START; ;) {
      const batch = await store.readAll({ after, maxCount: batchSize });
      read += batch.length;
      const last = batch.at(-1);
      if (last === undefined || batch.length < batchSize) break;
      after = last.position;
    }
    const readS = Number(process.hrtime.bigint() - readStarted) / 1e9;

    options.log(`projection-rebuild: rebuilding ${projectionNames.join(', ')}`);
    // Every connection the rebuild can use opened now, so their backends are measured for the whole run.
    await warmPool(pool, 6);
    const cpu = new CpuMeter(await options.backendPids('projections'));
    const batches = new LatencyRecorder();
    let lastAt = process.hrtime.bigint();
    let events = 0;
    let logged = 0;
    const started = process.hrtime.bigint();
    await rebuildProjections({
      pool,
      store,
      schema: options.schema,
      names: projectionNames,
      batchSize,
      flushEvents,
      signal: options.signal,
      onProgress: (p) => {
        const now = process.hrtime.bigint();
        if (p.phase === 'fold') batches.record(now - lastAt);
        lastAt = now;
        if (p.events - logged >= 100_000) {
          options.log(`projection-rebuild: ${p.events} events (${p.phase})`);
          logged = p.events;
        }
        events = p.events;
      },
    });
    const rebuildS = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuCores = cpu.stop();
    const latency = batches.summary();
    return [
      {
        scenario: 'projection-rebuild',
        unit: 'events',
        opsPerSec: events / rebuildS,
        p50Ms: latency.p50Ms,
        p99Ms: latency.p99Ms,
        concurrency: 1,
        durationS: rebuildS,
        ops: events,
        latencyIs: `per read batch of ${batchSize} events (folded in memory; commits every ${flushEvents} events overlap the fold)`,
        projections: projectionNames.length,
        logEvents: read,
        ceilingOpsPerSec: read / readS,
        ceilingIs: 'one readAll pass over the same log, same batch size',
        seedS,
        targetOpsPerSec: TARGET_EVENTS_PER_SEC,
        cpuCores,
        cpuMsPerOp: cpuMsPerOp(cpuCores, rebuildS, events),
      },
    ];
  },
};
