import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemSchema, problem } from './problem.ts';
import type { Problem } from './problem.ts';

/**
 * Every error the read API answers, by stable code. Clients branch on `code`;
 * `title` is for people. docs/api.md lists them with their meaning.
 */
export const ERRORS = {
  'invalid-query': [400, 'Invalid query parameter'],
  'unknown-query-parameter': [400, 'Unknown query parameter'],
  'invalid-path': [400, 'Invalid path parameter'],
  'invalid-header': [400, 'Invalid header'],
  'invalid-cursor': [400, 'Invalid cursor'],
  'invalid-position': [400, 'Invalid log position'],
  'bad-request': [400, 'Bad request'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  'not-found': [404, 'Not found'],
  'route-not-found': [404, 'No such route'],
  'method-not-allowed': [405, 'Method not allowed'],
  'body-too-large': [413, 'Request body too large'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'rate-limited': [429, 'Too many requests'],
  internal: [500, 'Internal error'],
  'projection-behind': [503, 'Projection behind'],
  'projection-halted': [503, 'Projection halted'],
  'query-timeout': [503, 'Query timed out'],
  'database-unavailable': [503, 'Database unavailable'],
  'not-ready': [503, 'Not ready'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected refusal: thrown by handlers and hooks, answered as a problem by the root handler. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    code: ErrorCode,
    title: string,
    detail: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.headers = headers;
  }
}

export const apiError = (
  code: ErrorCode,
  detail: string,
  headers: Readonly<Record<string, string>> = {},
): ApiError => {
  const [status, title] = ERRORS[code];
  return new ApiError(status, code, title, detail, headers);
};

export const problemOf = (code: ErrorCode, detail?: string): Problem => {
  const [status, title] = ERRORS[code];
  return problem(status, code, title, detail);
};

/** The error responses a route documents in its schema (OpenAPI): `Problem` as problem+json. */
export const problemResponses = (
  ...statuses: readonly number[]
): Record<number, { description: string; content: Record<string, { schema: typeof ProblemSchema }> }> =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: `Problem: ${Object.entries(ERRORS)
          .filter(([, [status]]) => status === s)
          .map(([code]) => code)
          .join(', ')}`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );

type ValidationIssue = Readonly<{ keyword?: string; instancePath?: string; params?: unknown }>;

const firstUnknownProperty = (issues: readonly ValidationIssue[]): string | null => {
  for (const issue of issues) {
    if (issue.keyword !== 'additionalProperties') continue;
    const params = issue.params as { additionalProperties?: unknown } | undefined;
    const names = params?.additionalProperties;
    if (Array.isArray(names) && typeof names[0] === 'string') return names[0];
    if (typeof names === 'string') return names;
    return '?';
  }
  return null;
};

/** What a request part failed on, without echoing values back (they may be long or hostile). */
const describe = (issues: readonly ValidationIssue[]): string => {
  const paths = [...new Set(issues.map((i) => (i.instancePath ?? '').replace(/^\//, '') || '(whole)'))];
  return `invalid: ${paths.slice(0, 5).join(', ')}`;
};

const fromValidation = (error: FastifyError): ApiError => {
  const issues = (error.validation ?? []) as readonly ValidationIssue[];
  switch (error.validationContext) {
    case 'querystring': {
      const unknown = firstUnknownProperty(issues);
      if (unknown !== null) {
        return apiError('unknown-query-parameter', `Unknown query parameter "${unknown.slice(0, 64)}".`);
      }
      return apiError('invalid-query', `Query string ${describe(issues)}.`);
    }
    case 'params':
      return apiError('invalid-path', `Path ${describe(issues)}.`);
    case 'headers':
      return apiError('invalid-header', `Headers ${describe(issues)}.`);
    case 'body':
    case undefined:
      break;
  }
  return apiError('bad-request', 'The request does not match its schema.');
};

const PG_UNAVAILABLE = /^(08|57P0)/;

/** Maps anything thrown to a problem; only a bug (or a broken dependency) becomes a 5xx. */
export const toApiError = (error: unknown): ApiError => {
  if (error instanceof ApiError) return error;
  const e = error as Partial<FastifyError> & { code?: unknown; status?: unknown };
  if (e.validation !== undefined) return fromValidation(e as FastifyError);
  const pgCode = typeof e.code === 'string' ? e.code : '';
  if (pgCode === '57014')
    return apiError('query-timeout', 'The query took too long.', { 'retry-after': '1' });
  // The read models are not installed (yet): the projections role migrates them at start.
  if (pgCode === '42P01' || pgCode === '3F000') {
    return apiError('not-ready', 'The read models are not installed yet.', { 'retry-after': '5' });
  }
  if (PG_UNAVAILABLE.test(pgCode) || pgCode === 'ECONNREFUSED' || pgCode === 'ECONNRESET') {
    return apiError('database-unavailable', 'The read models cannot be reached.', { 'retry-after': '5' });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return apiError('rate-limited', 'Too many requests for this key.');
  if (status === 413) return apiError('body-too-large', 'The request body is too large.');
  if (status === 415) return apiError('unsupported-media-type', 'This content type is not accepted.');
  if (status === 405) return apiError('method-not-allowed', 'This method is not allowed here.');
  if (status === 404) return apiError('route-not-found', 'No such route.');
  if (status >= 400 && status < 500) return apiError('bad-request', 'The request is malformed.');
  return apiError('internal', 'Something went wrong on our side; it is logged.');
};

export const sendProblem = (reply: FastifyReply, error: ApiError): FastifyReply => {
  for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(problem(error.status, error.code, error.title, error.message));
};

/** The root error handler: one place where errors become `application/problem+json`. */
export const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  const apiErr = toApiError(error);
  if (apiErr.status >= 500) request.log.error({ err: error, code: apiErr.code }, 'request failed');
  else request.log.info({ code: apiErr.code, status: apiErr.status }, 'request refused');
  return sendProblem(reply, apiErr);
};
