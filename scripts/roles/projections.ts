import { migrateReadModels } from '../../projections/read-models/install.ts';
import { startProjectionWorker } from '../../projections/runner.ts';
import type { Role } from './role.ts';

/**
 * Keeps the read models current (docs/projections.md). Several processes may
 * run it: each projection is owned by one worker at a time (a Postgres
 * advisory lock) and moves to another when its owner dies.
 */
export const projectionsRole: Role = {
  name: 'projections',
  description: 'folds the event log into the Postgres read models (catalog, inventory, orders, balances)',
  needsNats: false,
  migrate: async ({ config, logger, pool }) => {
    const done = await migrateReadModels(pool, config.readModelSchema);
    if (done.length > 0) logger.info({ schema: config.readModelSchema, done }, 'read models migrated');
  },
  start: ({ config, logger, pool, eventStore }) => {
    const worker = startProjectionWorker({
      pool,
      store: eventStore,
      schema: config.readModelSchema,
      logger,
    });
    return Promise.resolve({ stop: () => worker.stop() });
  },
};
