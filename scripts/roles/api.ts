import { buildApp } from '../../read-api/app.ts';
import type { Role } from './role.ts';

/** The HTTP read API (fastify) on HOST:PORT, health probes included. */
export const apiRole: Role = {
  name: 'api',
  description: 'HTTP read API on HOST:PORT, with /healthz and /readyz',
  needsNats: false,
  servesHttp: true,
  start: async ({ config, logger, pool }) => {
    const app = buildApp({ pool, logger, config });
    await app.listen({ host: config.host, port: config.port });
    return {
      stop: async () => {
        await app.close();
      },
    };
  },
};
