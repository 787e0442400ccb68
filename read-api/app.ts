import Fastify from 'fastify';
import type { FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Config } from '../infra/config.ts';
import { PROBLEM_CONTENT_TYPE, ProblemSchema, problem } from './problem.ts';

export type AppDeps = Readonly<{
  pool: pg.Pool;
  logger: Logger;
  config: Config;
}>;

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/** How long /readyz waits for `select 1` before it answers 503. */
const READY_TIMEOUT_MS = 2000;

const StatusSchema = Type.Object({ status: Type.Literal('ok') });

const databaseAnswers = async (pool: pg.Pool): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => {
      done(false);
    }, READY_TIMEOUT_MS);
  });
  const query = pool.query('select 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Liveness and readiness. Probes are logged only when they go wrong (route
 * log level warn), so a load balancer polling them does not flood the log.
 */
const healthRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = (app, { pool }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: { response: { 200: StatusSchema } },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: { response: { 200: StatusSchema, 503: ProblemSchema } },
    },
    async (request, reply) => {
      if (await databaseAnswers(pool)) return { status: 'ok' as const };
      request.log.warn('not ready: the database does not answer');
      return reply
        .code(503)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem(503, 'not-ready', 'Not ready', 'The database does not answer.'));
    },
  );
  return Promise.resolve();
};

/**
 * The read API. It does not listen: the caller (scripts/start.ts, a test with
 * `inject`) decides. Each resource is an encapsulated plugin registered here.
 */
export const buildApp = (deps: AppDeps): App => {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Behind a proxy the caller sets up trust; the API itself keeps request ids short.
    requestIdLogLabel: 'requestId',
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(ProblemSchema);
  void app.register(healthRoutes, { pool: deps.pool });
  return app;
};
