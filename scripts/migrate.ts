/**
 * `npm run migrate`: brings every schema up to date (event store, command
 * journal, each role's tables) against DATABASE_URL, or the embedded Postgres
 * under DATA_DIR (started for the run and stopped after), then exits.
 * `npm start` runs the same migrations; this is for deploying them first.
 */
import { loadConfig } from '../infra/config.ts';
import { createLogger } from '../infra/logging.ts';
import { createPool } from '../infra/postgres/database.ts';
import { roles } from './roles/index.ts';
import { migrateAll, startDatabase } from './system.ts';

const main = async (): Promise<number> => {
  let config;
  let logger;
  try {
    config = loadConfig();
    logger = createLogger({ level: config.logLevel, name: 'migrate' });
  } catch (error) {
    process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  let code = 0;
  let database;
  try {
    database = await startDatabase(config, logger);
    const pool = createPool(database.connectionString, { max: 2, applicationName: 'commerce-core:migrate' });
    try {
      await migrateAll(pool, config, logger, roles);
    } finally {
      await pool.end();
    }
  } catch (error) {
    logger.fatal(
      { err: error },
      `migration failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    code = 1;
  } finally {
    await database?.stop();
  }
  return code;
};

process.exit(await main());
