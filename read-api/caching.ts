import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Strong ETags over the serialized body of every successful GET (single
 * resources and pages alike), and 304 for a matching `If-None-Match`. The
 * body is the whole representation, so equal bodies are equal resources; the
 * hash costs a microsecond next to the query that made the body.
 */
export const etagOf = (body: string | Buffer): string =>
  `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;

/** RFC 9110 weak comparison: `W/"x"` matches `"x"`; `*` matches anything. */
export const matchesIfNoneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
};

export const etagOnSend = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> => {
  if (
    (request.method !== 'GET' && request.method !== 'HEAD') ||
    reply.statusCode !== 200 ||
    !(typeof payload === 'string' || Buffer.isBuffer(payload)) ||
    reply.getHeader('etag') !== undefined
  ) {
    return Promise.resolve(payload);
  }
  const etag = etagOf(payload);
  void reply.header('etag', etag);
  if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) {
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return Promise.resolve('');
  }
  return Promise.resolve(payload);
};
