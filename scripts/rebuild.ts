/**
 * Rebuilds projections without downtime (docs/projections.md):
 *   bash scripts/runtime.sh node scripts/rebuild.ts <projection>... | all [--batch N]
 * Builds version N+1 from position zero into new tables with a progress bar
 * (events/s) on stderr, switches the views when it has caught up, drops
 * version N. Workers may keep running. Interrupted, it resumes where it stopped.
 *
 * Exit code: 0 done, 1 the rebuild failed (e.g. an event it cannot apply),
 * 2 usage, configuration or connection error.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../infra/config.ts';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import { createLogger } from '../infra/logging.ts';
import { createPool } from '../infra/postgres/database.ts';
import { migrateReadModels } from '../projections/read-models/install.ts';
import { isProjectionName, projectionNames } from '../projections/read-models/projections.ts';
import type { ProjectionName } from '../projections/read-models/projections.ts';
import { rebuildProjections, RebuildError } from '../projections/rebuild.ts';
import { startDatabase } from './system.ts';

const usage = `usage: node scripts/rebuild.ts <projection>... | all [--batch N]
projections: ${projectionNames.join(', ')}`;

const main = async (): Promise<number> => {
  let names: ProjectionName[];
  let batchSize: number;
  try {
    const { positionals, values } = parseArgs({
      allowPositionals: true,
      options: { batch: { type: 'string' } },
    });
    const wanted = positionals.includes('all') ? [...projectionNames] : positionals;
    const unknown = wanted.filter((n) => !isProjectionName(n));
    if (wanted.length === 0 || unknown.length > 0)
      throw new Error(unknown.length > 0 ? `unknown: ${unknown.join(', ')}` : 'no projection');
    names = wanted.filter(isProjectionName);
    batchSize = Number(values.batch ?? 10_000);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new Error('--batch must be 1..10000');
  } catch (error) {
    process.stderr.write(`rebuild: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    name: 'rebuild',
  });
  const database = await startDatabase(config, logger);
  const pool = createPool(database.connectionString, { max: 6, applicationName: 'commerce-core:rebuild' });
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
  });
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} |{bar}| {percentage}% {events} events, {rate} events/s, ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  try {
    const store = await openPostgresEventStore({ pool, schema: config.eventStoreSchema });
    await migrateReadModels(pool, config.readModelSchema);
    const started = Date.now();
    let barStarted = false;
    const results = await rebuildProjections({
      pool,
      store,
      schema: config.readModelSchema,
      names,
      batchSize,
      logger,
      signal: controller.signal,
      onProgress: (p) => {
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        const payload = { phase: p.phase.padEnd(8), events: p.events, rate: Math.round(p.events / seconds) };
        // The head moves while we fold: its sequence number is the total to aim at.
        const total = Math.max(p.head.prepare, p.checkpoint.prepare, 1);
        if (!barStarted) {
          bar.start(total, p.checkpoint.prepare, payload);
          barStarted = true;
        }
        bar.setTotal(total);
        bar.update(p.phase === 'done' ? total : p.checkpoint.prepare, payload);
      },
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    for (const r of results) {
      process.stdout.write(
        `${JSON.stringify({ projection: r.name, from: r.from, to: r.to, events: r.events, seconds, eventsPerSec: Math.round(r.events / seconds) })}\n`,
      );
    }
    return 0;
  } catch (error) {
    bar.stop();
    process.stderr.write(`rebuild: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof RebuildError || controller.signal.aborted ? 1 : 2;
  } finally {
    await pool.end();
    await database.stop();
  }
};

process.exit(await main());
