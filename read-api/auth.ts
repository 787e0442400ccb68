import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/**
 * API keys with scopes. `reader` reads the catalog, stock and orders;
 * `seller` is bound to one seller id and sees only that seller's sales,
 * balance and orders; `auditor` reads projection status (and the audit
 * routes); `admin` may do everything.
 */
export const SCOPES = ['reader', 'seller', 'auditor', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A configured key: only the SHA-256 of the secret is kept in memory. */
export type ApiKey = Readonly<{ hash: Buffer; scope: Scope; sellerId: string | null }>;

/** Who is calling. `keyId` names the key in logs and rate limits without revealing it. */
export type Principal = Readonly<{ keyId: string; scope: Scope; sellerId: string | null }>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const MIN_KEY_LENGTH = 16;
const KEY_TEXT = /^[\x21-\x7e]+$/;
const SELLER_ID = /^[A-Za-z0-9_.-]{1,100}$/;

const isScope = (value: unknown): value is Scope => SCOPES.some((s) => s === value);

// One-shot `hash`: about half the cost of a `createHash` object, and it runs on every request.
const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

export const keyIdOf = (hash: Buffer): string => hash.subarray(0, 6).toString('hex');

const makeKey = (key: unknown, scope: unknown, sellerId: unknown, where: string): ApiKey => {
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || !KEY_TEXT.test(key)) {
    throw new Error(`${where}: a key must be at least ${MIN_KEY_LENGTH} printable characters`);
  }
  if (!isScope(scope)) throw new Error(`${where}: scope must be one of ${SCOPES.join(', ')}`);
  if (scope === 'seller') {
    if (typeof sellerId !== 'string' || !SELLER_ID.test(sellerId)) {
      throw new Error(`${where}: a seller key needs a seller id`);
    }
    return { hash: sha256(key), scope, sellerId };
  }
  if (sellerId !== undefined && sellerId !== null && sellerId !== '') {
    throw new Error(`${where}: only a seller key is bound to a seller id`);
  }
  return { hash: sha256(key), scope, sellerId: null };
};

/**
 * `API_KEYS` is either a JSON array of `{ key, scope, sellerId? }` or a list
 * of `key:scope[:sellerId]` separated by commas or whitespace.
 */
export const parseApiKeys = (text: string): readonly ApiKey[] => {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let keys: ApiKey[];
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error('expected a JSON array');
    keys = parsed.map((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null) throw new Error(`entry ${i}: expected an object`);
      const e = entry as Record<string, unknown>;
      return makeKey(e['key'], e['scope'], e['sellerId'], `entry ${i}`);
    });
  } else {
    keys = trimmed.split(/[\s,]+/).map((entry, i) => {
      const [key, scope, sellerId, ...rest] = entry.split(':');
      if (rest.length > 0) throw new Error(`entry ${i}: expected key:scope[:sellerId]`);
      return makeKey(key, scope, sellerId, `entry ${i}`);
    });
  }
  const seen = new Set<string>();
  for (const k of keys) {
    const hex = k.hash.toString('hex');
    if (seen.has(hex)) throw new Error('a key is listed twice');
    seen.add(hex);
  }
  return keys;
};

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The presented secret: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
const presentedKey = (request: FastifyRequest): string | null => {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return null;
  return BEARER.exec(authorization)?.[1] ?? null;
};

/**
 * Looks the presented key up by comparing its hash with every configured
 * hash in constant time, so neither the match nor its place in the list
 * shows in the response time.
 */
export const authenticate = (keys: readonly ApiKey[], secret: string | null): Principal | null => {
  if (secret === null) return null;
  const hash = sha256(secret);
  let found: ApiKey | null = null;
  for (const key of keys) {
    if (timingSafeEqual(key.hash, hash) && found === null) found = key;
  }
  return found === null ? null : { keyId: keyIdOf(found.hash), scope: found.scope, sellerId: found.sellerId };
};

/** The key a connection presented last and who it named. */
type LastKey = Readonly<{ secret: Buffer; principal: Principal | null }>;

/**
 * onRequest: identifies the caller (or not); refusing is left to `requireScope`.
 * A client sends the same key on every request of a keep-alive connection,
 * so the connection remembers the key it presented last and who that was: the
 * same key again (compared in constant time) skips the SHA-256 and the scan
 * of the configured keys. Any other key is looked up as before. What is kept
 * is the presented key, for as long as its connection is open.
 */
export const identify = (keys: readonly ApiKey[]) => {
  const lastOf = new WeakMap<object, LastKey>();
  return (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const presented = presentedKey(request);
    if (presented === null) {
      request.principal = null;
      done();
      return;
    }
    const secret = Buffer.from(presented, 'utf8');
    const connection = request.raw.socket as object | null;
    const last = connection === null ? undefined : lastOf.get(connection);
    if (last !== undefined && last.secret.length === secret.length && timingSafeEqual(last.secret, secret)) {
      request.principal = last.principal;
    } else {
      request.principal = authenticate(keys, presented);
      if (connection !== null) lastOf.set(connection, { secret, principal: request.principal });
    }
    done();
  };
};

export const unauthorized = (): ApiError =>
  new ApiError(401, 'unauthorized', 'Unauthorized', 'A valid API key is required.', {
    'www-authenticate': 'Bearer realm="commerce-core"',
  });

export const forbidden = (): ApiError =>
  new ApiError(403, 'forbidden', 'Forbidden', 'This API key may not read this resource.');

/** The caller, or a 401. For handlers behind `requireScope`. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (request.principal === null) throw unauthorized();
  return request.principal;
};

/**
 * A route hook (onRequest or preHandler) that refuses by passing an `ApiError`
 * to `done`. Callback style, not async: it runs on every data request and has
 * nothing to wait for, so it costs no promise and no extra microtask turn.
 */
export type AccessCheck = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: ApiError) => void,
) => void;

/**
 * A hook that lets through keys with one of `scopes` (admin always): no or
 * an unknown key → 401, a key without the scope → 403. The same two answers
 * for every route, so a response reveals nothing about the data. Routes use
 * it as `onRequest`, so a caller without access learns nothing, not even
 * which query parameters are wrong; it works as a `preHandler` too.
 */
export const requireScope =
  (...scopes: readonly Scope[]): AccessCheck =>
  (request, _reply, done) => {
    const principal = request.principal;
    if (principal === null) done(unauthorized());
    else if (principal.scope !== 'admin' && !scopes.includes(principal.scope)) done(forbidden());
    else done();
  };

/** True when the caller may read what belongs to `sellerId`: admin, or that seller's own key. */
export const maySeeSeller = (principal: Principal, sellerId: string): boolean =>
  principal.scope === 'admin' || (principal.scope === 'seller' && principal.sellerId === sellerId);
