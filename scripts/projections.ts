/**
 * Operator actions on projections (docs/projections.md):
 *   bash scripts/runtime.sh node scripts/projections.ts status
 *   bash scripts/runtime.sh node scripts/projections.ts retry <projection>
 *   bash scripts/runtime.sh node scripts/projections.ts skip <projection> <eventId> --by <who>
 *   bash scripts/runtime.sh node scripts/projections.ts rebuild ...   (same as scripts/rebuild.ts)
 *
 * Exit code: 0 done, 1 refused (e.g. not halted on that event), 2 usage or connection error.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { formatPosition } from '../infra/event-store/port.ts';
import { createLogger } from '../infra/logging.ts';
import { createKysely, createPool } from '../infra/postgres/database.ts';
import { OperatorError, retryProjection, skipEvent } from '../projections/operator.ts';
import { migrateReadModels } from '../projections/read-models/install.ts';
import { isProjectionName } from '../projections/read-models/projections.ts';
import { readProjectionStatus } from '../projections/read-models/status.ts';
import { startDatabase } from './system.ts';

const usage = `usage: node scripts/projections.ts <command>
  status                                  every projection version: state, checkpoint, lag, failure (JSON lines)
  retry <projection>                      a halted projection tries the event it failed on again
  skip <projection> <eventId> --by <who>  a halted projection passes exactly that event (recorded in projection_skips)
  rebuild <projection>... | all           see scripts/rebuild.ts`;

const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    strict: false,
    options: { by: { type: 'string' } },
  });
  const [command, name, eventId] = positionals;
  if (command === 'rebuild') {
    const script = fileURLToPath(new URL('./rebuild.ts', import.meta.url));
    return spawnSync(process.execPath, [script, ...process.argv.slice(3)], { stdio: 'inherit' }).status ?? 2;
  }
  const needsName = command === 'retry' || command === 'skip';
  if (
    !(command === 'status' || needsName) ||
    (needsName && (name === undefined || !isProjectionName(name))) ||
    (command === 'skip' && (eventId === undefined || typeof values.by !== 'string'))
  ) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: 'warn', name: 'projections' });
  const database = await startDatabase(config, logger);
  const pool = createPool(database.connectionString, {
    max: 2,
    applicationName: 'commerce-core:projections-cli',
  });
  const db = createKysely<unknown>(pool);
  try {
    await migrateReadModels(pool, config.readModelSchema);
    if (command === 'status') {
      const status = await readProjectionStatus(db, {
        readModelSchema: config.readModelSchema,
        eventStoreSchema: config.eventStoreSchema,
      });
      for (const s of status) {
        process.stdout.write(
          `${JSON.stringify({
            ...s,
            checkpoint: formatPosition(s.checkpoint),
            head: formatPosition(s.head),
            failedEvent:
              s.failedEvent === null
                ? null
                : { ...s.failedEvent, position: formatPosition(s.failedEvent.position) },
          })}\n`,
        );
      }
    } else if (command === 'retry') {
      await retryProjection(db, config.readModelSchema, name ?? '');
      process.stdout.write(`${name ?? ''}: retrying\n`);
    } else {
      await skipEvent(db, config.readModelSchema, name ?? '', eventId ?? '', String(values.by));
      process.stdout.write(`${name ?? ''}: skipped ${eventId ?? ''}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`projections: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof OperatorError ? 1 : 2;
  } finally {
    await pool.end();
    await database.stop();
  }
};

process.exit(await main());
