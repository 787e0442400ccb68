import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController } from 'fastify';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Config } from '../infra/config.ts';
import { createKysely } from '../infra/postgres/database.ts';
import type { ReadModelDatabase } from '../projections/read-models/schema.ts';
import { readCheckpoints, readProjectionStatus } from '../projections/read-models/status.ts';
import { identify, requireScope } from './auth.ts';
import type { AccessCheck, Scope } from './auth.ts';
import { etagOnSend } from './caching.ts';
import { apiError, errorHandler, problemResponses, sendProblem } from './errors.ts';
import { ProjectionStatusCache } from './freshness.ts';
import { ListingReader } from './listing-reads.ts';
import {
  METRICS_CONTENT_TYPE,
  collectProcessMetrics,
  httpRequestDuration,
  httpRequestsTotal,
  metricsText,
} from './metrics.ts';
import { ProblemSchema } from './problem.ts';
import type { ReadContext } from './reading.ts';
import { catalogRoutes, renderListing } from './routes/catalog.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { orderRoutes } from './routes/orders.ts';
import { projectionRoutes } from './routes/projections.ts';
import { sellerRoutes } from './routes/sellers.ts';
import type { ReadApiSettings } from './settings.ts';
import { validatorCompiler } from './validation.ts';

export type AppDeps = Readonly<{
  /** Its connections should carry the query timeout: see `createReadPool`. */
  pool: pg.Pool;
  logger: Logger;
  /** `readModelSchema`: where the projections' stable views and status table live. */
  config: Config;
  settings: ReadApiSettings;
  /** Register `read-api/audit/routes.ts` when it exists (default true). */
  auditRoutes?: boolean;
}>;

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/**
 * What `read-api/audit/routes.ts` gets when it exists: its default export is
 * a fastify plugin taking these options, registered by `buildApp` under the
 * `/audit` prefix. `requireAuditor` is `requireScope('auditor')` (admin passes).
 */
export type AuditRoutesOptions = Readonly<{
  pool: pg.Pool;
  config: Config;
  requireAuditor: AccessCheck;
  requireScope: (...scopes: readonly Scope[]) => AccessCheck;
}>;

const AUDIT_ROUTES = new URL('./audit/routes.ts', import.meta.url);

/** How long the app waits for the listing cache to warm before it is ready (then warms on behind). */
const WARM_WAIT_MS = 15_000;
/** How long /readyz waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2000;
const CORRELATION_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

const StatusSchema = Type.Object({ status: Type.Literal('ok') });
const NoQuery = Type.Object({}, { additionalProperties: false });

const withTimeout = async <T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => {
      done('timeout');
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

type HealthOptions = Readonly<{ pool: pg.Pool; status: ProjectionStatusCache }>;

/**
 * Liveness, readiness and metrics. Probes are logged only when they go wrong
 * (route log level warn), so a load balancer polling them does not flood the
 * log; they are not rate limited.
 */
const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = (app, { pool, status }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      config: { rateLimit: false },
      schema: { tags: ['operations'], security: [], querystring: NoQuery, response: { 200: StatusSchema } },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        security: [],
        description: 'Ready when the database answers and no projection readers see is halted.',
        querystring: NoQuery,
        response: { 200: StatusSchema, ...problemResponses(503) },
      },
    },
    async (request, reply) => {
      const answer = await withTimeout(
        pool.query('select 1').then(
          () => status.refresh().then((views) => ({ ok: true as const, views })),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        READY_TIMEOUT_MS,
      ).catch((error: unknown) => ({ ok: false as const, error }));
      if (answer === 'timeout' || !answer.ok) {
        request.log.warn({ err: answer === 'timeout' ? 'timeout' : answer.error }, 'not ready');
        return sendProblem(reply, apiError('not-ready', 'The read models cannot be reached.'));
      }
      const halted = answer.views.filter((v) => v.active && v.state === 'halted').map((v) => v.name);
      if (halted.length > 0) {
        request.log.warn({ halted }, 'not ready: projections halted');
        return sendProblem(reply, apiError('not-ready', `Halted projections: ${halted.join(', ')}.`));
      }
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        security: [],
        description: 'Prometheus text format: request rate and latency, projection lag, command counts.',
        querystring: NoQuery,
        response: { 200: { content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      void reply.type(METRICS_CONTENT_TYPE).header('cache-control', 'no-store');
      return metricsText();
    },
  );
  return Promise.resolve();
};

const correlationIdOf = (request: IncomingMessage): string => {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
};

type RequestMetrics = Readonly<{
  duration: ReturnType<typeof httpRequestDuration.labels>;
  total: ReturnType<typeof httpRequestsTotal.labels>;
}>;

/**
 * The metric children of each (method, route, status), bound once: prom-client
 * hashes a labels object on every call otherwise. Bounded by the routes times
 * the status codes the API answers.
 */
const requestMetrics = new Map<string, RequestMetrics>();

const recordMetrics = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
  const route = request.routeOptions.url ?? 'unmatched';
  const key = `${request.method} ${reply.statusCode} ${route}`;
  let metrics = requestMetrics.get(key);
  if (metrics === undefined) {
    const labels = { method: request.method, route, status_code: reply.statusCode };
    metrics = { duration: httpRequestDuration.labels(labels), total: httpRequestsTotal.labels(labels) };
    requestMetrics.set(key, metrics);
  }
  metrics.duration.observe(reply.elapsedTime / 1000);
  metrics.total.inc();
  done();
};

/** Registers `read-api/audit/routes.ts` (owned by the audit work) when it exists. */
const auditHook: FastifyPluginAsync<AuditRoutesOptions> = async (app, options) => {
  if (!existsSync(fileURLToPath(AUDIT_ROUTES))) return;
  const module = (await import(AUDIT_ROUTES.href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new Error('read-api/audit/routes.ts must default-export a fastify plugin');
  }
  await app.register(module.default as FastifyPluginAsync<AuditRoutesOptions>, {
    ...options,
    prefix: '/audit',
  });
};

/** A pool for the API's reads: the caller's connection settings, with the query timeout. */
export const readPoolOptions = (pool: pg.Pool, settings: ReadApiSettings): pg.PoolConfig => ({
  ...pool.options,
  statement_timeout: settings.queryTimeoutMs,
  application_name: 'commerce-core:read-api',
});

/**
 * The read API. It does not listen: the caller (scripts/roles/api.ts, a test
 * with `inject`) decides. Each resource is an encapsulated plugin registered
 * here; errors of every kind end in one handler as `application/problem+json`.
 */
export const buildApp = (deps: AppDeps): App => {
  const { settings } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    genReqId: correlationIdOf,
    bodyLimit: settings.bodyLimitBytes,
    // Longer than any id, so an over-long one reaches its route's schema and gets invalid-path.
    routerOptions: { maxParamLength: 1024 },
    // Malformed URLs and the like never reach a route: answer them as problems too.
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(reply, apiError('bad-request', `The request is malformed (${error.code}).`));
    },
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(validatorCompiler);

  const db: Kysely<ReadModelDatabase> = createKysely<ReadModelDatabase>(deps.pool).withSchema(
    deps.config.readModelSchema,
  );
  const schemas = {
    readModelSchema: deps.config.readModelSchema,
    eventStoreSchema: deps.config.eventStoreSchema,
  };
  const status = new ProjectionStatusCache(
    {
      status: () => readProjectionStatus(db as Kysely<unknown>, schemas),
      checkpoints: () => readCheckpoints(db as Kysely<unknown>, deps.config.readModelSchema),
    },
    settings.statusRefreshMs,
    deps.logger,
  );
  const listings = new ListingReader({
    pool: deps.pool,
    readModelSchema: deps.config.readModelSchema,
    eventStoreSchema: deps.config.eventStoreSchema,
    status,
    maxEntries: settings.listingCacheMaxEntries,
    refreshMs: settings.statusRefreshMs,
    render: renderListing,
    logger: deps.logger,
  });
  const ctx: ReadContext = {
    db,
    pool: deps.pool,
    readModelSchema: deps.config.readModelSchema,
    settings,
    status,
    listings,
  };
  collectProcessMetrics();

  app.decorateRequest('principal', null);
  app.addSchema(ProblemSchema);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      apiError('route-not-found', `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`),
    ),
  );
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-correlation-id', request.id);
    done();
  });
  app.addHook('onRequest', identify(settings.apiKeys));
  app.addHook('onSend', etagOnSend);
  app.addHook('onResponse', recordMetrics);
  app.addHook('onReady', async () => {
    // Subscribed first, so the cache sees the status's first read.
    listings.start();
    status.start();
    const started = performance.now();
    const warming = listings.warm().then(
      (added) => {
        deps.logger.info(
          { listings: added, ms: Math.round(performance.now() - started) },
          'listing cache warmed',
        );
      },
      (error: unknown) => {
        deps.logger.warn({ err: error }, 'warming the listing cache failed; it fills as listings are read');
      },
    );
    // Listen once warm (or after a bound, warming on behind): a replica that joins under load
    // does not send its first seconds of reads to Postgres.
    await withTimeout(warming, WARM_WAIT_MS);
  });
  app.addHook('onClose', (_app, done) => {
    listings.stop();
    status.stop();
    done();
  });

  void app.register(rateLimit, {
    global: true,
    max: settings.rateLimitPerMinute,
    timeWindow: 60_000,
    // After identification (a global onRequest hook, so it runs first): each key has its own
    // budget; anonymous callers share one per address.
    hook: 'onRequest',
    keyGenerator: (request) =>
      request.principal === null ? `ip:${request.ip}` : `key:${request.principal.keyId}`,
  });
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'commerce-core read API',
        version: '1.0.0',
        description:
          'Read models of the marketplace over HTTP. Errors are application/problem+json with a stable ' +
          '`code`; see docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS.' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    // Shared schemas keep their $id as their name in the document (`Problem`, not `def-0`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });

  void app.register(healthRoutes, { pool: deps.pool, status });
  void app.register(catalogRoutes, ctx);
  void app.register(inventoryRoutes, ctx);
  void app.register(orderRoutes, ctx);
  void app.register(sellerRoutes, ctx);
  void app.register(projectionRoutes, ctx);
  if (deps.auditRoutes !== false) {
    void app.register(auditHook, {
      pool: deps.pool,
      config: deps.config,
      requireAuditor: requireScope('auditor'),
      requireScope,
    });
  }
  return app;
};
