import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Strong ETags over the serialized body of every successful GET (single
 * resources and pages alike), and 304 for a matching `If-None-Match`. The
 * body is the whole representation, so equal bodies are equal resources; the
 * hash costs a microsecond next to the query that made the body.
 */
export const etagOf = (body: string | Buffer): string => `"${hash('sha1', body, 'base64url').slice(0, 22)}"`;

/**
 * Sends a JSON body serialized earlier by the route's own rules, with the
 * ETag computed then: no serialization and no hashing per request. Typed
 * loosely on purpose: the route's response schema describes the object the
 * bytes were made from, not the bytes.
 */
export const sendSerialized = (reply: FastifyReply, body: Buffer, etag: string): FastifyReply =>
  reply.header('etag', etag).type('application/json; charset=utf-8').send(body);

/** RFC 9110 weak comparison: `W/"x"` matches `"x"`; `*` matches anything. */
export const matchesIfNoneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
};

/**
 * onSend: the ETag of a 200 GET, and 304 when the client has it. A route that
 * sends a body it serialized earlier sets the ETag it computed then (the
 * listing cache), so the body is not hashed on every request. Callback style:
 * nothing here waits, so the response is written without a microtask turn.
 */
export const etagOnSend = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void => {
  if (
    (request.method !== 'GET' && request.method !== 'HEAD') ||
    reply.statusCode !== 200 ||
    !(typeof payload === 'string' || Buffer.isBuffer(payload))
  ) {
    done(null, payload);
    return;
  }
  const given = reply.getHeader('etag');
  let etag: string;
  if (typeof given === 'string') {
    etag = given;
  } else {
    etag = etagOf(payload);
    void reply.header('etag', etag);
  }
  if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) {
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    done(null, '');
    return;
  }
  done(null, payload);
};
