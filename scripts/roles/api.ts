import pg from 'pg';
import { buildApp, readPoolOptions } from '../../read-api/app.ts';
import { loadReadApiSettings } from '../../read-api/settings.ts';
import type { Role } from './role.ts';

/**
 * The HTTP read API (fastify) on HOST:PORT: catalog, stock, orders, sellers,
 * projection status, health probes, /metrics and /docs. It reads through a
 * pool of its own, so the query timeout (QUERY_TIMEOUT_MS) applies to the
 * API's queries only.
 */
export const apiRole: Role = {
  name: 'api',
  description: 'HTTP read API on HOST:PORT (/docs, /healthz, /readyz, /metrics)',
  needsNats: false,
  servesHttp: true,
  start: async ({ config, logger, pool }) => {
    // The launcher's logger already names the role.
    const log = logger;
    const settings = loadReadApiSettings();
    if (settings.apiKeys.length === 0) {
      log.warn('API_KEYS is empty: every data route answers 401 (health, metrics and docs stay open)');
    }
    if (!settings.cursorSecretFromConfig) {
      log.warn('CURSOR_SECRET is not set: page cursors are valid in this process only');
    }
    const readPool = new pg.Pool(readPoolOptions(pool, settings));
    readPool.on('error', (error) => {
      log.warn({ err: error }, 'an idle read-API database connection failed');
    });
    const app = buildApp({ pool: readPool, logger: log, config, settings });
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (error) {
      await readPool.end();
      throw error;
    }
    return {
      stop: async () => {
        await app.close();
        await readPool.end();
      },
    };
  },
};
