import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { openAuditor } from '../../../infra/audit/auditor.ts';
import { intOption } from '../args.ts';
import { LatencyRecorder } from '../stats.ts';
import type { BenchResult, Scenario } from '../types.ts';
import { SEED_WORKERS, openStore, seedLog } from './common.ts';

const MB = 1024 * 1024;

/** Samples the process's resident set size while `work` runs; returns the peak. */
const peakRss = async <T>(work: () => Promise<T>): Promise<Readonly<{ value: T; peakBytes: number }>> => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const value = await work();
    return { value, peakBytes: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
};

/**
 * Seeds a log through the store's own appends (real hash chains), then runs
 * the audit export of the whole log as NDJSON into /dev/null, through the
 * same pull stream the CLI and HTTP use, sampling the process's RSS: memory
 * must stay flat however long the log. With `--verify`, then verifies every
 * hash chain of the same log, the other full pass an auditor runs.
 * `--duration` does not apply: each phase is one full pass.
 */
export const exportScenario: Scenario = {
  name: 'export',
  description:
    'audit export of a whole seeded log as NDJSON (events/s, peak RSS), then verify of its hash chains',
  defaults: { durationS: 1, concurrency: 1 },
  options: {
    events: { type: 'string', description: 'events to seed', default: '1000000' },
    'seed-batch': { type: 'string', description: 'events per append when seeding', default: '1000' },
    verify: { type: 'boolean', description: 'also measure verify over the same log', default: false },
  },
  run: async (options) => {
    const total = intOption(options.values, 'events', 1_000_000);
    const seedBatch = intOption(options.values, 'seed-batch', 1000);
    const { store, pool } = await openStore(options, SEED_WORKERS);

    const seedS = await seedLog(options, store, pool, { label: 'export', total, seedBatch });

    const auditor = await openAuditor({ pool, schema: options.schema, aggregates: {} });
    const range = await auditor.resolveRange({});
    const expected = await auditor.count(range);
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    const latency = new LatencyRecorder();
    let exported = 0;
    let bytes = 0;
    let last = process.hrtime.bigint();
    const started = process.hrtime.bigint();
    options.log(`export: exporting ${expected} events to /dev/null`);
    // Peak RSS per quarter of the export: flat quarters are what bounded memory looks like.
    const quarters = [0, 0, 0, 0];
    const { peakBytes } = await peakRss(async () => {
      const stream = auditor.exportNdjson(range, (n) => {
        const now = process.hrtime.bigint();
        latency.record(now - last);
        last = now;
        exported += n;
        const quarter = Math.min(3, Math.floor((4 * exported) / Math.max(1, expected)));
        quarters[quarter] = Math.max(quarters[quarter] ?? 0, process.memoryUsage.rss());
      });
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      await pipeline(stream, createWriteStream('/dev/null'), { signal: options.signal });
    });
    const exportS = Number(process.hrtime.bigint() - started) / 1e9;
    if (exported !== expected) throw new Error(`exported ${exported} events, expected ${expected}`);
    const summary = latency.summary();
    options.log(
      `export: ${Math.round(exported / exportS)} events/s, peak RSS ${(peakBytes / MB).toFixed(0)} MB`,
    );
    const results: BenchResult[] = [
      {
        scenario: 'export',
        unit: 'events',
        opsPerSec: exported / exportS,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        concurrency: 1,
        durationS: exportS,
        ops: exported,
        latencyIs: 'per batch of 2000 events read and written',
        exportedMB: bytes / MB,
        rssBeforeMB: rssBefore / MB,
        peakRssMB: peakBytes / MB,
        peakRssByQuarterMB: quarters.map((bytesAt) => bytesAt / MB),
        seedS,
        seedEventsPerSec: total / seedS,
      },
    ];

    if (options.values['verify'] === true) {
      options.log('export: verifying every hash chain of the same log');
      const verifyStarted = process.hrtime.bigint();
      const verified = await peakRss(() => auditor.verifyChains());
      const verifyS = Number(process.hrtime.bigint() - verifyStarted) / 1e9;
      if (!verified.value.ok)
        throw new Error(`verify found ${verified.value.findingCount} findings on an untouched log`);
      options.log(`export: verify ${Math.round(verified.value.events / verifyS)} events/s`);
      results.push({
        scenario: 'export-verify',
        unit: 'events',
        opsPerSec: verified.value.events / verifyS,
        p50Ms: 0,
        p99Ms: 0,
        concurrency: 1,
        durationS: verifyS,
        ops: verified.value.events,
        latencyIs: 'not measured (one pass)',
        streams: verified.value.streams,
        peakRssMB: verified.peakBytes / MB,
      });
    }
    await pool.end();
    return results;
  },
};
