/**
 * `npm start [-- --roles api,projections]`: the whole system, or some roles of
 * it, in one process.
 *
 * Database (DATABASE_URL, else the embedded Postgres) → migrations → NATS
 * (when a selected role needs it; unreachable means those roles are skipped
 * with a warning) → the roles in registry order → HTTP on PORT.
 * SIGINT/SIGTERM: roles stop in reverse order, then NATS drains, the pool
 * closes and the embedded Postgres stops; exit 0. A second signal exits at once.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { loadConfig } from '../infra/config.ts';
import type { Config } from '../infra/config.ts';
import { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { createLogger } from '../infra/logging.ts';
import type { Logger } from '../infra/logging.ts';
import { connectNats, natsConfigFromEnv } from '../infra/nats.ts';
import { createPool } from '../infra/postgres/database.ts';
import { roles } from './roles/index.ts';
import type { Role } from './roles/role.ts';
import { migrateAll, startDatabase } from './system.ts';

const POOL_SIZE = 20;
const NATS_CONNECT_TIMEOUT_MS = 2000;
/** A stuck role must not keep the process alive for ever. */
const SHUTDOWN_DEADLINE_MS = 60_000;

const usage = (): string =>
  [
    'usage: npm start [-- --roles <name,name,...>]',
    '',
    'Starts every role in one process, or the ones named. Roles:',
    ...roles.map((r) => `  ${r.name.padEnd(14)}${r.description}${r.needsNats ? ' (needs NATS)' : ''}`),
    '',
    'Configuration comes from the environment: see docs/operations.md.',
  ].join('\n');

type Selection =
  { kind: 'run'; selected: readonly Role[] } | { kind: 'help' } | { kind: 'error'; message: string };

const selectRoles = (argv: readonly string[], all: readonly Role[] = roles): Selection => {
  let values: { roles?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { roles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  if (values.roles === undefined) return { kind: 'run', selected: all };
  const names = values.roles
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !all.some((r) => r.name === name));
  if (names.length === 0 || unknown.length > 0) {
    return {
      kind: 'error',
      message: `${names.length === 0 ? '--roles names no role' : `unknown role(s): ${unknown.join(', ')}`}; known: ${all.map((r) => r.name).join(', ')}`,
    };
  }
  // Registry order, whatever the order on the command line: it is the start order.
  return { kind: 'run', selected: all.filter((r) => names.includes(r.name)) };
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** When no selected role serves HTTP, the process still answers the probes on PORT. */
const serveHealth = async (config: Config, pool: pg.Pool, logger: Logger): Promise<Server> => {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(
        405,
        { type: 'about:blank', title: 'Method Not Allowed', status: 405 },
        'application/problem+json',
      );
    } else if (path === '/healthz') {
      send(200, { status: 'ok' });
    } else if (path === '/readyz') {
      const timeout = new Promise<false>((done) =>
        setTimeout(() => {
          done(false);
        }, 2000).unref(),
      );
      const query = pool.query('select 1').then(
        () => true,
        () => false,
      );
      void Promise.race([query, timeout]).then((ready) => {
        if (ready) send(200, { status: 'ok' });
        else {
          logger.warn('not ready: the database does not answer');
          send(503, { type: 'about:blank', title: 'Not ready', status: 503 }, 'application/problem+json');
        }
      });
    } else {
      send(404, { type: 'about:blank', title: 'Not Found', status: 404 }, 'application/problem+json');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
};

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((error) => {
      if (error === undefined) resolve();
      else reject(error);
    });
    server.closeIdleConnections();
  });

/** Logs NATS disconnects and reconnects for as long as the connection lives. */
const watchNats = (nc: NatsConnection, logger: Logger): void => {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'error') logger.warn({ nats: status }, 'NATS');
      else if (status.type === 'reconnect') logger.info({ nats: status }, 'NATS reconnected');
    }
  })().catch(() => undefined);
};

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

type Resource = Readonly<{ what: string; close: () => Promise<void> }>;

const main = async (): Promise<void> => {
  const selection = selectRoles(process.argv.slice(2));
  if (selection.kind === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (selection.kind === 'error') {
    process.stderr.write(`start: ${selection.message}\n\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  let config: Config;
  let logger: Logger;
  try {
    config = loadConfig();
    logger = createLogger({ level: config.logLevel, name: 'commerce-core' });
  } catch (error) {
    process.stderr.write(`start: ${errorText(error)}\n`);
    process.exitCode = 2;
    return;
  }

  // Everything started so far, closed in reverse order on the way out.
  const resources: Resource[] = [];
  let stopping: Promise<void> | null = null;
  let signalled = false;
  // Until the start sequence ends a signal only marks the request; each step checks it.
  let started = false;
  const shutdown = (code: number): Promise<void> => {
    stopping ??= (async () => {
      const deadline = setTimeout(() => {
        logger.fatal(`shutdown took longer than ${String(SHUTDOWN_DEADLINE_MS / 1000)} s: exiting now`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      let exitCode = code;
      for (const resource of resources.reverse()) {
        try {
          await resource.close();
          logger.debug(`${resource.what} closed`);
        } catch (error) {
          logger.error({ err: error }, `closing ${resource.what} failed`);
          exitCode ||= 1;
        }
      }
      logger.info({ exitCode }, 'stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    signalled = true;
    logger.info(`${signal}: shutting down (${signal} again to exit at once)`);
    if (started) void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: shutting down');
    void shutdown(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection: shutting down');
    void shutdown(1);
  });

  // Between the steps of the start sequence: a signal that came meanwhile ends it.
  const proceed = (): void => {
    if (signalled) throw new Interrupted();
  };

  try {
    const database = await startDatabase(config, logger);
    resources.push({ what: 'the database server', close: database.stop });
    proceed();

    const pool = createPool(database.connectionString, { max: POOL_SIZE, applicationName: 'commerce-core' });
    pool.on('error', (error) => {
      logger.warn({ err: error }, 'an idle database connection failed; the next query opens a new one');
    });
    resources.push({ what: 'the database pool', close: () => pool.end() });

    await migrateAll(pool, config, logger, roles);
    proceed();
    const eventStore = new PostgresEventStore({ pool, schema: config.eventStoreSchema });
    resources.push({ what: 'the event store', close: () => eventStore.close() });

    let nats: NatsConnection | null = null;
    const natsRoles = selection.selected.filter((r) => r.needsNats);
    if (natsRoles.length > 0) {
      try {
        nats = await connectNats(natsConfigFromEnv(config.natsUrl, 'commerce-core'), NATS_CONNECT_TIMEOUT_MS);
        const nc = nats;
        watchNats(nc, logger);
        resources.push({ what: 'NATS', close: () => nc.drain() });
        logger.info({ url: config.natsUrl }, 'connected to NATS');
      } catch (error) {
        logger.warn(
          { url: config.natsUrl, err: errorText(error), skipped: natsRoles.map((r) => r.name) },
          `NATS is unreachable at ${config.natsUrl}: not starting ${natsRoles.map((r) => r.name).join(', ')} ` +
            '(they need NATS); everything else runs and HTTP is served. Fix NATS_URL or the NATS_* credentials and restart.',
        );
      }
    }
    proceed();

    const running: string[] = [];
    for (const role of selection.selected) {
      if (role.needsNats && nats === null) continue;
      const roleLogger = logger.child({ role: role.name });
      const handle = await role.start({ config, logger: roleLogger, pool, eventStore, nats });
      resources.push({ what: `role ${role.name}`, close: () => handle.stop() });
      running.push(role.name);
      roleLogger.info(`role ${role.name} started`);
      proceed();
    }
    if (!selection.selected.some((r) => r.servesHttp === true && running.includes(r.name))) {
      const server = await serveHealth(config, pool, logger);
      resources.push({ what: 'the health endpoint', close: () => closeServer(server) });
    }
    started = true;
    logger.info(
      {
        roles: running,
        http: `http://${config.host}:${String(config.port)}`,
        embeddedPostgres: database.embedded,
      },
      `commerce-core running: ${running.length > 0 ? running.join(', ') : 'no role'}; /healthz on port ${String(config.port)}`,
    );
    proceed();
  } catch (error) {
    if (error instanceof Interrupted) {
      await shutdown(0);
      return;
    }
    logger.fatal({ err: error }, `start failed: ${errorText(error)}`);
    await shutdown(1);
  }
};

await main();
