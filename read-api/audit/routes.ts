import { readFileSync } from 'node:fs';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type pg from 'pg';
import { aggregates } from '../../domain/aggregates.ts';
import { openAuditor } from '../../infra/audit/auditor.ts';
import type { AsOf } from '../../infra/audit/auditor.ts';
import { parseCheckpointExport } from '../../infra/audit/checkpoints.ts';
import { replayCheck } from '../../infra/audit/replay-check.ts';
import { AuditError } from '../../infra/audit/errors.ts';
import type { AuditErrorCode } from '../../infra/audit/errors.ts';
import { loadAuditKeys } from '../../infra/audit/signing.ts';
import type { AuditKeys } from '../../infra/audit/signing.ts';
import type { Config } from '../../infra/config.ts';
import { parsePosition } from '../../infra/event-store/port.ts';
import type { LogPosition } from '../../infra/event-store/port.ts';
import type { requireScope as RequireScope } from '../auth.ts';
import type { Scope } from '../auth.ts';
import { problemResponses } from '../errors.ts';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem.ts';
import {
  CategoryList,
  ChainReportSchema,
  CheckpointExportSchema,
  CheckpointList,
  CheckpointReportSchema,
  CheckpointSchema,
  HistorySchema,
  StateSchema,
  StreamList,
  ReplayReportSchema,
} from './schemas.ts';
import { replayTarget } from './replay-targets.ts';

export type AuditRoutesOptions = Readonly<{
  pool: pg.Pool;
  config: Config;
  requireAuditor: ReturnType<typeof RequireScope>;
  requireScope: (...scopes: readonly Scope[]) => ReturnType<typeof RequireScope>;
  /** Defaults to AUDIT_SIGNING_KEY / AUDIT_PUBLIC_KEYS from the environment. */
  keys?: AuditKeys;
}>;

const STATUS: Readonly<Record<AuditErrorCode, readonly [number, string]>> = {
  INVALID_STREAM_ID: [400, 'Invalid stream id'],
  INVALID_CATEGORY: [400, 'Invalid category'],
  INVALID_AS_OF: [400, 'Invalid point in time'],
  INVALID_RANGE: [400, 'Invalid range'],
  INVALID_KEY: [400, 'Invalid key'],
  INVALID_CHECKPOINT: [400, 'Invalid checkpoint'],
  UNKNOWN_CATEGORY: [404, 'Unknown category'],
  CHECKPOINT_NOT_FOUND: [404, 'Checkpoint not found'],
  UNKNOWN_PROJECTION: [404, 'Unknown projection'],
  EMPTY_LOG: [409, 'The log is empty'],
  FOLD_FAILED: [422, 'The history does not fold'],
  NO_SIGNING_KEY: [503, 'No signing key configured'],
};

/** AUDIT_CODE → audit-code, the problem `code` the HTTP side answers with. */
export const problemCodeOf = (code: AuditErrorCode): string =>
  `audit-${code.toLowerCase().replaceAll('_', '-')}`;

const positionParam = (text: string | undefined, name: string): LogPosition | undefined => {
  if (text === undefined) return undefined;
  const parsed = parsePosition(text);
  if (parsed === null)
    throw new AuditError('INVALID_RANGE', `${name} must be a log position "<commit>:<prepare>"`);
  return parsed;
};

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

type Writable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? Writable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T;

/** The Auditor's answers are deeply readonly; the schema-inferred reply types are not. Same values. */
const writable = <T>(value: T): Writable<T> => value as Writable<T>;

const StreamIdParams = Type.Object({ streamId: Type.String({ minLength: 3, maxLength: 241 }) });
const Position = Type.String({ maxLength: 40, description: 'A log position, "<commit>:<prepare>".' });
const Iso = Type.String({ maxLength: 40, description: 'ISO 8601 instant.' });

/**
 * The auditor's routes, under /audit: the same `Auditor` as
 * `npm run audit`, so the same answers. Everything is behind the auditor
 * scope (admin passes) except the page itself, which holds no data;
 * creating a checkpoint needs admin.
 */
const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, options) => {
  const keys = options.keys ?? loadAuditKeys();
  const auditor = await openAuditor({
    pool: options.pool,
    schema: options.config.eventStoreSchema,
    aggregates,
    signer: keys.signer,
    trustedKeys: keys.verifyKeys,
  });
  const guard = { preHandler: options.requireAuditor };

  app.setErrorHandler((error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof AuditError)) throw error;
    const [status, title] = STATUS[error.code];
    return reply
      .code(status)
      .type(PROBLEM_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(problem(status, problemCodeOf(error.code), title, error.message));
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );

  const tags = ['audit'];
  const errors = problemResponses(400, 401, 403, 404, 429, 503);

  app.get(
    '/categories',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Stream categories with their number of streams and events',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: CategoryList, ...errors },
      },
    },
    async () => writable({ categories: await auditor.categories() }),
  );

  app.get(
    '/streams',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Streams in id order, optionally of one category; page with `after`',
        querystring: Type.Object(
          {
            category: Type.Optional(Type.String({ maxLength: 40 })),
            after: Type.Optional(Type.String({ maxLength: 241 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: StreamList, ...errors },
      },
    },
    async (request) => {
      const streams = await auditor.streams(request.query);
      const limit = request.query.limit ?? 100;
      return writable({
        streams,
        next: streams.length === limit ? (streams.at(-1)?.streamId ?? null) : null,
      });
    },
  );

  app.get(
    '/streams/:streamId/events',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The history of a stream: every event with its metadata, in revision order',
        params: StreamIdParams,
        querystring: Type.Object(
          {
            fromRevision: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: HistorySchema, ...errors },
      },
    },
    async (request) =>
      writable(
        await auditor.history(request.params.streamId, {
          fromRevision: request.query.fromRevision,
          limit: request.query.limit,
        }),
      ),
  );

  app.get(
    '/streams/:streamId/state',
    {
      ...guard,
      schema: {
        tags,
        summary: "The aggregate's state as of a revision or an instant, folded with the domain's evolve",
        params: StreamIdParams,
        querystring: Type.Object(
          { revision: Type.Optional(Type.Integer({ minimum: 0 })), at: Type.Optional(Iso) },
          { additionalProperties: false },
        ),
        response: { 200: StateSchema, ...problemResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    (request) => {
      const { revision, at } = request.query;
      if (revision !== undefined && at !== undefined) {
        throw new AuditError('INVALID_AS_OF', 'give revision or at, not both');
      }
      const asOf: AsOf = revision !== undefined ? { revision } : at !== undefined ? { at } : { latest: true };
      return auditor.readableState(request.params.streamId, asOf);
    },
  );

  app.get(
    '/export',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The log (or a range) as NDJSON, one event per line, streamed',
        description:
          'Positions are inclusive; times select recordedAt in [since, until). Without `to`, the export ' +
          'ends at the settled head when the request starts. X-Event-Count gives the number of lines.',
        querystring: Type.Object(
          {
            from: Type.Optional(Position),
            to: Type.Optional(Position),
            since: Type.Optional(Iso),
            until: Type.Optional(Iso),
          },
          { additionalProperties: false },
        ),
        produces: ['application/x-ndjson'],
        response: errors,
      },
    },
    async (request, reply) => {
      const { from, to, since, until } = request.query;
      const range = await auditor.resolveRange({
        from: positionParam(from, 'from'),
        to: positionParam(to, 'to'),
        since,
        until,
      });
      const count = await auditor.count(range);
      return (
        reply
          .type('application/x-ndjson')
          .header('x-event-count', String(count))
          // A stream: fastify pipes it with backpressure. The 200 has no JSON schema to infer from.
          .send(auditor.exportNdjson(range) as never)
      );
    },
  );

  app.get(
    '/verify',
    {
      ...guard,
      schema: {
        tags,
        summary: "Recompute every stream's hash chain; findings name the stream and revision",
        querystring: Type.Object(
          { maxFindings: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) },
          { additionalProperties: false },
        ),
        response: { 200: ChainReportSchema, ...errors },
      },
    },
    async (request) =>
      writable(
        await auditor.verifyChains(
          request.query.maxFindings === undefined ? {} : { maxFindings: request.query.maxFindings },
        ),
      ),
  );

  app.get(
    '/checkpoints',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The stored signed checkpoints of the global log',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: CheckpointList, ...errors },
      },
    },
    async () => writable({ checkpoints: await auditor.listCheckpoints() }),
  );

  app.post(
    '/checkpoints',
    {
      preHandler: options.requireScope(),
      schema: {
        tags,
        summary: 'Sign the running digest of the log up to the settled head (admin)',
        querystring: Type.Object({ at: Type.Optional(Position) }, { additionalProperties: false }),
        response: { 201: CheckpointSchema, ...problemResponses(400, 401, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const checkpoint = await auditor.createCheckpoint(positionParam(request.query.at, 'at'));
      return reply.code(201).send(checkpoint);
    },
  );

  app.get(
    '/checkpoints/export',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The stored checkpoints (or one) as a file an auditor keeps',
        querystring: Type.Object(
          { id: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: CheckpointExportSchema, ...errors },
      },
    },
    async (request, reply) => {
      const exported = await auditor.exportCheckpoints(request.query.id);
      return reply
        .header('content-disposition', 'attachment; filename="audit-checkpoints.json"')
        .send(writable(exported));
    },
  );

  app.get(
    '/checkpoints/verify',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Re-digest the log and check every stored checkpoint and its signature',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: CheckpointReportSchema, ...errors },
      },
    },
    async () => writable(await auditor.verifyCheckpoints()),
  );

  app.post(
    '/checkpoints/verify',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Check checkpoints an auditor kept (an exported file as the body) against the log',
        body: Type.Unknown(),
        response: { 200: CheckpointReportSchema, ...errors },
      },
    },
    async (request) => writable(await auditor.verifyCheckpoints(parseCheckpointExport(request.body))),
  );

  app.get(
    '/replay-check/:projection',
    {
      ...guard,
      schema: {
        tags,
        summary:
          'Rebuild a projection from the log into scratch tables and compare it with the live read model',
        description:
          "Briefly pauses that projection's worker for the final comparison. For read models of millions of " +
          "rows use `npm run audit -- replay-check`: the API pool's statement timeout applies here.",
        params: Type.Object({ projection: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: ReplayReportSchema, ...errors },
      },
    },
    async (request) => {
      const schema = options.config.readModelSchema;
      const target = replayTarget(schema, request.params.projection);
      return writable(await replayCheck(options.pool, schema, target, auditor.reader));
    },
  );
};

export default auditRoutes;
