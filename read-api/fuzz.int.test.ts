import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from './app.ts';
import { ERRORS } from './errors.ts';
import { KEYS, SELLER2_SECRET_AMOUNT, createFixture } from './test/fixture.ts';
import type { Fixture } from './test/fixture.ts';

let f: Fixture;
let app: App;

beforeAll(async () => {
  f = await createFixture('rapi_fuzz');
  // No wait for read-your-writes, so a position ahead answers at once; no rate limit in the way.
  app = await f.app({ minPositionWaitMs: 0, rateLimitPerMinute: 1_000_000 });
});

afterAll(async () => {
  await f.close();
});

const SELLER_OF_KEY: Readonly<Record<string, string>> = { [KEYS.seller1]: 's-1', [KEYS.seller2]: 's-2' };

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  printable,
);

const realIds = fc.constantFrom('l-00', 'l-01', 'o-00', 'o-01', 'o-99', 's-1', 's-2', 'b-1', 'b-2', 'sku-00');
const pathParam = fc.oneof(
  { weight: 4, arbitrary: realIds },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('', '..', '%', '/', 'a/b', '%2F', ' ', '\u0000') },
);

const LIST = ['status', 'limit', 'cursor', 'minPosition'];
const CATALOG = [
  'seller',
  'status',
  'minPrice',
  'maxPrice',
  'currency',
  'q',
  'sort',
  'limit',
  'cursor',
  'minPosition',
];

/** Each route, with the query parameters it takes (fuzzed requests mostly use those). */
const ROUTES: readonly Readonly<{ path: (id: string) => string; keys: readonly string[] }>[] = [
  { path: () => '/listings', keys: CATALOG },
  { path: (id) => `/listings/${id}`, keys: ['minPosition'] },
  { path: (id) => `/inventory/${id}`, keys: ['minPosition'] },
  { path: (id) => `/orders/${id}`, keys: ['minPosition'] },
  { path: (id) => `/buyers/${id}/orders`, keys: LIST },
  { path: (id) => `/sellers/${id}/sales`, keys: LIST },
  { path: (id) => `/sellers/${id}/balance`, keys: ['minPosition'] },
  { path: () => '/projections', keys: [] },
  { path: () => '/healthz', keys: [] },
  { path: () => '/readyz', keys: [] },
];

const queryValue = fc.oneof(
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'active',
      'soldOut',
      'price_asc',
      'newest',
      'EUR',
      's-1',
      's-2',
      '0:0',
      '20',
      'bike',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([c, p]) => `${c}:${p}`) },
);

const query = (keys: readonly string[]) =>
  fc.array(
    fc.tuple(
      fc.oneof(
        {
          weight: keys.length === 0 ? 0 : 12,
          arbitrary: fc.constantFrom(...(keys.length === 0 ? [''] : keys)),
        },
        { weight: 1, arbitrary: fc.constantFrom(...CATALOG) },
        { weight: 1, arbitrary: anyText },
      ),
      queryValue,
    ),
    { maxLength: 3 },
  );

const request = fc.nat({ max: ROUTES.length - 1 }).chain((n) => {
  const route = ROUTES[n] ?? ROUTES[0];
  if (route === undefined) throw new Error('no routes');
  return fc.tuple(fc.constant(route.path), query(route.keys));
});

const key = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<string | null>(
      null,
      KEYS.reader,
      KEYS.auditor,
      KEYS.admin,
      KEYS.seller1,
      KEYS.seller2,
    ),
  },
  { weight: 1, arbitrary: printable },
);

const headers = fc.record(
  {
    'x-min-position': fc.oneof(printable, fc.constantFrom('0:0', '1:0', '999999:1')),
    'if-none-match': fc.oneof(printable, fc.constant('*')),
    'x-correlation-id': printable,
  },
  { requiredKeys: [] },
);

/** Every `sellerId` anywhere in a JSON value. */
const sellerIdsIn = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(sellerIdsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'sellerId' && typeof v === 'string' ? [v] : sellerIdsIn(v),
  );
};

describe('fuzzed requests', () => {
  it('never answer 5xx (but projection-behind), always a known problem code, never leak a seller', async () => {
    await fc.assert(
      fc.asyncProperty(
        request,
        pathParam,
        key,
        headers,
        // Now and then a raw query string instead of a well-encoded one.
        fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: printable }),
        fc.boolean(),
        async ([route, params], id, apiKey, extraHeaders, rawQuery, asHeader) => {
          const path = route(encodeURIComponent(id.toWellFormed()));
          const search = new URLSearchParams(params).toString();
          const url = rawQuery === undefined ? `${path}?${search}` : `${path}?${rawQuery}`;
          const response = await app.inject({
            method: 'GET',
            url,
            headers: {
              ...extraHeaders,
              ...(apiKey === null
                ? {}
                : asHeader
                  ? { 'x-api-key': apiKey }
                  : { authorization: `Bearer ${apiKey}` }),
            },
          });
          const status = response.statusCode;
          if (status >= 400) {
            expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
            const body = JSON.parse(response.body) as { code: string; status: number };
            expect(Object.keys(ERRORS)).toContain(body.code);
            expect(body.status).toBe(status);
            if (status >= 500) expect(body.code).toBe('projection-behind');
          } else {
            expect([200, 304]).toContain(status);
          }
          // What belongs to seller 2 reaches only seller 2's key and admin.
          const keyIsTrusted = apiKey === KEYS.admin || apiKey === KEYS.seller2;
          if (!keyIsTrusted) expect(response.body).not.toContain(String(SELLER2_SECRET_AMOUNT));
          const ownSeller = apiKey === null ? undefined : SELLER_OF_KEY[apiKey];
          if (status === 200 && ownSeller !== undefined && !path.startsWith('/listings')) {
            for (const seller of sellerIdsIn(JSON.parse(response.body))) expect(seller).toBe(ownSeller);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('with a seller key, any path id on seller routes shows only that seller', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(KEYS.seller1, KEYS.seller2),
        fc.oneof(realIds, anyText),
        fc.constantFrom('sales', 'balance'),
        async (sellerKey, id, what) => {
          const response = await app.inject({
            url: `/sellers/${encodeURIComponent(id.toWellFormed())}/${what}`,
            headers: { authorization: `Bearer ${sellerKey}` },
          });
          const own = SELLER_OF_KEY[sellerKey];
          if (response.statusCode === 200) {
            expect(id).toBe(own);
            for (const seller of sellerIdsIn(JSON.parse(response.body))) expect(seller).toBe(own);
          } else {
            // 404: `.` and `..` are path segments, so such an id names another (missing) route.
            expect([400, 403, 404]).toContain(response.statusCode);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
