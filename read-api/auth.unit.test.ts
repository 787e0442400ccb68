import { describe, expect, it } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, identify, maySeeSeller, parseApiKeys } from './auth.ts';
import { ReadApiSettingsError, loadReadApiSettings } from './settings.ts';

const READER = 'reader-key-0000000000000001';
const SELLER = 'seller-key-0000000000000002';

describe('API keys from configuration', () => {
  it('reads the key:scope[:sellerId] list and the JSON form alike', () => {
    const list = parseApiKeys(`${READER}:reader, ${SELLER}:seller:s-1`);
    const json = parseApiKeys(
      JSON.stringify([
        { key: READER, scope: 'reader' },
        { key: SELLER, scope: 'seller', sellerId: 's-1' },
      ]),
    );
    expect(list).toEqual(json);
    expect(list.map((k) => [k.scope, k.sellerId])).toEqual([
      ['reader', null],
      ['seller', 's-1'],
    ]);
    // Only the hash is kept.
    expect(JSON.stringify(list)).not.toContain(READER);
  });

  it('has no key built in', () => {
    expect(parseApiKeys('')).toEqual([]);
    expect(authenticate([], READER)).toBeNull();
  });

  it.each([
    ['short:reader', /at least 16/],
    [`${READER}:root`, /scope/],
    [`${SELLER}:seller`, /seller id/],
    [`${READER}:reader:s-1`, /only a seller key/],
    [`${READER}:reader,${READER}:admin`, /twice/],
    [`${READER}:seller:s-1:extra`, /key:scope/],
    ['{"key":1}', /./],
    ['[1]', /object/],
  ])('refuses %s', (text, message) => {
    expect(() => parseApiKeys(text)).toThrow(message);
  });

  it('authenticates by hash and names the key without revealing it', () => {
    const keys = parseApiKeys(`${READER}:reader,${SELLER}:seller:s-1`);
    const principal = authenticate(keys, SELLER);
    expect(principal).toMatchObject({ scope: 'seller', sellerId: 's-1' });
    expect(principal?.keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(authenticate(keys, `${SELLER}x`)).toBeNull();
    expect(authenticate(keys, null)).toBeNull();
  });

  it('lets a seller key see its own seller only, and admin every seller', () => {
    const seller = { keyId: 'k', scope: 'seller' as const, sellerId: 's-1' };
    expect(maySeeSeller(seller, 's-1')).toBe(true);
    expect(maySeeSeller(seller, 's-2')).toBe(false);
    expect(maySeeSeller({ keyId: 'k', scope: 'admin', sellerId: null }, 's-2')).toBe(true);
    expect(maySeeSeller({ keyId: 'k', scope: 'reader', sellerId: null }, 's-1')).toBe(false);
  });
});

describe('read API settings', () => {
  it('has defaults and reads the environment', () => {
    const defaults = loadReadApiSettings({});
    expect(defaults.apiKeys).toEqual([]);
    expect(defaults.cursorSecretFromConfig).toBe(false);
    const set = loadReadApiSettings({
      API_KEYS: `${READER}:reader`,
      CURSOR_SECRET: 'a-long-enough-secret',
      RATE_LIMIT_PER_MINUTE: '10',
      QUERY_TIMEOUT_MS: '500',
      MIN_POSITION_WAIT_MS: '0',
    });
    expect(set).toMatchObject({
      rateLimitPerMinute: 10,
      queryTimeoutMs: 500,
      minPositionWaitMs: 0,
      cursorSecretFromConfig: true,
    });
  });

  it.each([
    { RATE_LIMIT_PER_MINUTE: '0' },
    { QUERY_TIMEOUT_MS: '1.5' },
    { BODY_LIMIT_BYTES: 'lots' },
    { CURSOR_SECRET: 'short' },
    { API_KEYS: 'bad' },
  ])('refuses %o', (env) => {
    expect(() => loadReadApiSettings(env)).toThrow(ReadApiSettingsError);
  });
});

describe('identifying the caller of a request', () => {
  const keys = parseApiKeys(`${READER}:reader, ${SELLER}:seller:s-1`);
  const who = (check: ReturnType<typeof identify>, socket: object, headers: Record<string, string>) => {
    const request = { headers, raw: { socket }, principal: null } as unknown as FastifyRequest;
    check(request, {} as FastifyReply, () => undefined);
    return request.principal;
  };

  it('names the key each request presents, on one connection or many', () => {
    const check = identify(keys);
    const connection = {};
    expect(who(check, connection, { authorization: `Bearer ${READER}` })?.scope).toBe('reader');
    expect(who(check, connection, { authorization: `Bearer ${READER}` })?.scope).toBe('reader');
    // Another key on the same connection (a proxy's pooled connection) is looked up, not remembered.
    expect(who(check, connection, { 'x-api-key': SELLER })).toMatchObject({
      scope: 'seller',
      sellerId: 's-1',
    });
    expect(who(check, connection, { authorization: 'Bearer reader-key-0000000000000009' })).toBeNull();
    expect(who(check, connection, { authorization: `Bearer ${READER}x` })).toBeNull();
    expect(who(check, connection, {})).toBeNull();
    expect(who(check, connection, { authorization: `Bearer ${READER}` })?.scope).toBe('reader');
    expect(who(check, {}, { authorization: `Bearer ${SELLER}` })?.scope).toBe('seller');
  });
});
