import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Expected, formatPosition } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import { pino } from 'pino';
import { loadConfig } from '../infra/config.ts';
import type { App } from './app.ts';
import { buildApp, readPoolOptions } from './app.ts';
import { loadReadApiSettings } from './settings.ts';
import { API_KEYS, KEYS, LISTINGS, ORDERS, auth, createFixture } from './test/fixture.ts';
import type { Fixture } from './test/fixture.ts';

type Json = Record<string, unknown> & { items?: Record<string, unknown>[]; nextCursor?: string | null };

let f: Fixture;
let app: App;

beforeAll(async () => {
  f = await createFixture('rapi_routes');
  app = await f.app();
});

afterAll(async () => {
  await f.close();
});

const get = (url: string, key: string | null = KEYS.admin, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...(key === null ? {} : auth(key)), ...headers } });

const json = (body: string): Json => JSON.parse(body) as Json;

const expectProblem = (
  response: Awaited<ReturnType<typeof get>>,
  status: number,
  code: string,
): Record<string, unknown> => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = json(response.body);
  expect(body).toMatchObject({ status, code, type: `urn:commerce-core:problem:${code}` });
  return body;
};

const until = async (condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** Every page of a paginated route, following nextCursor. */
const allPages = async (url: string, key: string = KEYS.admin, field = 'items'): Promise<string[]> => {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = url.includes('?') ? '&' : '?';
    const response = await get(cursor === null ? url : `${url}${sep}cursor=${cursor}`, key);
    expect(response.statusCode).toBe(200);
    const body = json(response.body);
    const items = body[field] as Record<string, unknown>[];
    ids.push(...items.map((i) => String(i['listingId'] ?? i['orderId'])));
    cursor = body.nextCursor ?? null;
    if (cursor === null) return ids;
  }
  throw new Error('pagination does not end');
};

describe('health, metrics and docs', () => {
  it('answers /healthz and /readyz without a key', async () => {
    expect((await get('/healthz', null)).statusCode).toBe(200);
    const ready = await get('/readyz', null);
    expect(ready.statusCode).toBe(200);
    expect(json(ready.body)).toEqual({ status: 'ok' });
  });

  it('is not ready while a projection readers see is halted', async () => {
    await f.setState('orders', 'halted');
    try {
      const body = expectProblem(await get('/readyz', null), 503, 'not-ready');
      expect(body['detail']).toContain('orders');
    } finally {
      await f.setState('orders', 'running');
    }
    expect((await get('/readyz', null)).statusCode).toBe(200);
  });

  it('is not ready when the database cannot be reached, and data routes say so', async () => {
    const dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    const deadApp = await f.app({}, dead);
    try {
      expectProblem(await deadApp.inject({ url: '/readyz' }), 503, 'not-ready');
      const listing = await deadApp.inject({ url: '/listings/l-00', headers: auth(KEYS.reader) });
      expectProblem(listing, 503, 'database-unavailable');
      expect(listing.headers['retry-after']).toBeDefined();
    } finally {
      await deadApp.close();
      await dead.end();
    }
  });

  it('serves Prometheus metrics from the default registry', async () => {
    await get('/listings/l-00');
    await get('/projections');
    const response = await get('/metrics', null);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/listings\/:listingId"/,
    );
    expect(response.body).toMatch(/read_api_projection_lag_events\{projection="catalog"\} \d+/);
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it('publishes an OpenAPI document with every route and a docs page', async () => {
    const doc = json((await get('/docs/json', null)).body);
    const paths = Object.keys(doc['paths'] as object);
    for (const path of [
      '/listings',
      '/listings/{listingId}',
      '/inventory/{sku}',
      '/orders/{orderId}',
      '/buyers/{buyerId}/orders',
      '/sellers/{sellerId}/sales',
      '/sellers/{sellerId}/balance',
      '/projections',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(paths).toContain(path);
    }
    const page = await get('/docs/', null);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('catalog', () => {
  const active = LISTINGS.filter((l) => l.status === 'active');

  it('pages through active listings newest first, each exactly once, ties broken by id', async () => {
    const expected = [...active]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.listingId < b.listingId ? 1 : -1))
      .map((l) => l.listingId);
    expect(await allPages('/listings?limit=4')).toEqual(expected);
    expect(await allPages('/listings?limit=100')).toEqual(expected);
  });

  it.each([
    ['price_asc', 1],
    ['price_desc', -1],
  ] as const)('sorts by %s with a stable tie-breaker across pages', async (sort, sign) => {
    const expected = [...active]
      .sort((a, b) => sign * (a.priceMinor - b.priceMinor) || sign * (a.listingId < b.listingId ? -1 : 1))
      .map((l) => l.listingId);
    expect(await allPages(`/listings?sort=${sort}&limit=5`)).toEqual(expected);
  });

  it('sorts oldest first', async () => {
    const expected = [...active]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.listingId < b.listingId ? -1 : 1))
      .map((l) => l.listingId);
    expect(await allPages('/listings?sort=oldest&limit=3')).toEqual(expected);
  });

  it('filters by seller, status, price range, currency and title text', async () => {
    const ids = async (query: string) => new Set(await allPages(`/listings?${query}&limit=100`));
    const pick = (p: (l: (typeof LISTINGS)[number]) => boolean) =>
      new Set(LISTINGS.filter(p).map((l) => l.listingId));
    expect(await ids('seller=s-1')).toEqual(pick((l) => l.status === 'active' && l.sellerId === 's-1'));
    expect(await ids('status=withdrawn')).toEqual(pick((l) => l.status === 'withdrawn'));
    expect(await ids('minPrice=1500&maxPrice=2500')).toEqual(
      pick((l) => l.status === 'active' && l.priceMinor >= 1500 && l.priceMinor <= 2500),
    );
    expect(await ids('currency=GBP')).toEqual(pick((l) => l.status === 'active' && l.currency === 'GBP'));
    expect(await ids('q=BIKE')).toEqual(pick((l) => l.status === 'active' && /bike/i.test(l.title)));
    // `%` and `_` are literal text, not wildcards.
    expect(await ids('q=%25')).toEqual(pick((l) => l.status === 'active' && l.title.includes('%')));
    expect(await ids('q=e_c')).toEqual(pick((l) => l.status === 'active' && l.title.includes('e_c')));
    expect(await ids('seller=s-2&status=soldOut')).toEqual(new Set());
  });

  it('answers one listing with its available stock', async () => {
    const response = await get('/listings/l-03', KEYS.reader);
    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toMatchObject({
      listingId: 'l-03',
      sellerId: 's-2',
      sku: 'sku-03',
      price: { amountMinor: 2500, currency: 'EUR', currencyExponent: 2 },
      status: 'withdrawn',
      stock: { onHand: 10, reserved: 3, available: 7 },
    });
    expectProblem(await get('/listings/l-nope'), 404, 'not-found');
  });

  it('refuses bad input with a stable code', async () => {
    expectProblem(await get('/listings?colour=red'), 400, 'unknown-query-parameter');
    expectProblem(await get('/listings?limit=0'), 400, 'invalid-query');
    expectProblem(await get('/listings?limit=101'), 400, 'invalid-query');
    expectProblem(await get('/listings?limit=two'), 400, 'invalid-query');
    expectProblem(await get('/listings?status=sold'), 400, 'invalid-query');
    expectProblem(await get('/listings?minPrice=-1'), 400, 'invalid-query');
    for (const bad of ['1.5', '1e3', '0x10', '%201', 'true', '', '9007199254740993']) {
      expectProblem(await get(`/listings?minPrice=${bad}`), 400, 'invalid-query');
    }
    expectProblem(await get('/listings?minPrice=3000&maxPrice=2000'), 400, 'invalid-query');
    expectProblem(await get('/listings?currency=eur'), 400, 'invalid-query');
    expectProblem(await get('/listings?sort=random'), 400, 'invalid-query');
    expectProblem(await get('/listings?q='), 400, 'invalid-query');
    expectProblem(await get(`/listings?q=${'x'.repeat(101)}`), 400, 'invalid-query');
    expectProblem(await get('/listings?limit=1&limit=2'), 400, 'invalid-query');
    expectProblem(await get('/listings/bad%20id'), 400, 'invalid-path');
    expectProblem(await get(`/listings/${'a'.repeat(129)}`), 400, 'invalid-path');
    expectProblem(await get('/listings/%E0%A4%A'), 400, 'bad-request');
  });

  it('refuses cursors that are garbage, tampered with or from another query', async () => {
    const first = json((await get('/listings?limit=2')).body);
    const cursor = String(first.nextCursor);
    expect((await get(`/listings?limit=2&cursor=${cursor}`)).statusCode).toBe(200);
    // The page size may change between pages; the query may not.
    expect((await get(`/listings?limit=7&cursor=${cursor}`)).statusCode).toBe(200);
    expectProblem(await get(`/listings?limit=2&sort=price_asc&cursor=${cursor}`), 400, 'invalid-cursor');
    expectProblem(await get(`/listings?limit=2&seller=s-1&cursor=${cursor}`), 400, 'invalid-cursor');
    const [payload = '', mac = ''] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify(['2099-01-01 00:00:00+00', 'l-99'])).toString('base64url');
    expectProblem(await get(`/listings?cursor=${forged}.${mac}`), 400, 'invalid-cursor');
    expectProblem(await get(`/listings?cursor=${payload}.AAAAAAAAAAAAAAAAAAAAAA`), 400, 'invalid-cursor');
    expectProblem(await get('/listings?cursor=not-a-cursor'), 400, 'invalid-cursor');
    expectProblem(await get(`/listings?cursor=${'a'.repeat(600)}`), 400, 'invalid-query');
    // A cursor from another route (a buyer's orders) is refused too.
    const orders = json((await get('/buyers/b-1/orders?limit=1', KEYS.reader)).body);
    expectProblem(await get(`/listings?cursor=${String(orders.nextCursor)}`), 400, 'invalid-cursor');
  });
});

describe('inventory', () => {
  it("answers one SKU's levels", async () => {
    const response = await get('/inventory/sku-02', KEYS.seller1);
    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toMatchObject({
      sku: 'sku-02',
      onHand: 10,
      reserved: 2,
      available: 8,
      openReservations: 2,
    });
    expectProblem(await get('/inventory/sku-nope'), 404, 'not-found');
    expectProblem(await get('/inventory/sku%2F1'), 400, 'invalid-path');
    expectProblem(await get('/inventory/sku-02?x=1'), 400, 'unknown-query-parameter');
  });
});

describe('orders', () => {
  it('answers one order with its lines, status and timeline', async () => {
    const response = await get('/orders/o-00', KEYS.reader);
    expect(response.statusCode).toBe(200);
    const body = json(response.body);
    expect(body).toMatchObject({
      orderId: 'o-00',
      buyerId: 'b-1',
      sellerId: 's-1',
      status: 'paid',
      totalMinor: 3500,
      paymentId: 'pay-o-00',
      lines: [
        { lineNo: 0, listingId: 'l-00', quantity: 1, unitPriceMinor: 1500, lineTotalMinor: 1500 },
        { lineNo: 1, listingId: 'l-02', quantity: 2, unitPriceMinor: 1000, lineTotalMinor: 2000 },
      ],
    });
    expect((body['timeline'] as { type: string }[]).map((t) => t.type)).toEqual([
      'OrderPlaced',
      'OrderStockReserved',
      'OrderPaid',
    ]);
    expectProblem(await get('/orders/o-nope'), 404, 'not-found');
    expectProblem(await get('/orders/o%20x'), 400, 'invalid-path');
  });

  it("shows a seller its own orders only; another seller's order is answered as missing", async () => {
    expect((await get('/orders/o-00', KEYS.seller1)).statusCode).toBe(200);
    const other = expectProblem(await get('/orders/o-01', KEYS.seller1), 404, 'not-found');
    const missing = expectProblem(await get('/orders/o-nope', KEYS.seller1), 404, 'not-found');
    expect(other).toEqual(missing);
    expectProblem(await get('/orders/o-00', KEYS.auditor), 403, 'forbidden');
  });

  it("pages through a buyer's orders newest first, each once", async () => {
    const expected = ORDERS.filter((o) => o.buyerId === 'b-1')
      .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime() || (a.orderId < b.orderId ? 1 : -1))
      .map((o) => o.orderId);
    expect(await allPages('/buyers/b-1/orders?limit=4', KEYS.reader)).toEqual(expected);
    expect(await allPages('/buyers/b-2/orders', KEYS.reader)).toEqual(['o-99']);
    expect(await allPages('/buyers/b-1/orders?status=shipped', KEYS.reader)).toEqual([]);
    const first = json((await get('/buyers/b-1/orders?limit=1', KEYS.reader)).body);
    expectProblem(
      await get(`/buyers/b-2/orders?cursor=${String(first.nextCursor)}`, KEYS.reader),
      400,
      'invalid-cursor',
    );
    expectProblem(await get('/buyers/b-1/orders?status=lost', KEYS.reader), 400, 'invalid-query');
    expectProblem(await get('/buyers/b-1/orders', KEYS.seller1), 403, 'forbidden');
    expectProblem(await get('/buyers/b-1/orders', KEYS.auditor), 403, 'forbidden');
  });
});

describe('sellers', () => {
  it("shows a seller its own sales, paginated, and no one else's", async () => {
    const response = await get('/sellers/s-1/sales?limit=5', KEYS.seller1);
    expect(response.statusCode).toBe(200);
    const body = json(response.body);
    expect(body['totals']).toEqual([expect.objectContaining({ currency: 'EUR', ordersPaid: 13 })]);
    expect((body['orders'] as { sellerId: string }[]).every((o) => o.sellerId === 's-1')).toBe(true);
    const expected = ORDERS.filter((o) => o.sellerId === 's-1')
      .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime() || (a.orderId < b.orderId ? 1 : -1))
      .map((o) => o.orderId);
    expect(await allPages('/sellers/s-1/sales?limit=5', KEYS.seller1, 'orders')).toEqual(expected);
    expect((await get('/sellers/s-2/sales', KEYS.admin)).statusCode).toBe(200);
    expectProblem(await get('/sellers/s-2/sales', KEYS.seller1), 403, 'forbidden');
    expectProblem(await get('/sellers/s-1/sales', KEYS.reader), 403, 'forbidden');
    expectProblem(await get('/sellers/s-1/sales', KEYS.auditor), 403, 'forbidden');
    expectProblem(await get('/sellers/s-1/sales', null), 401, 'unauthorized');
  });

  it("shows a seller its own balance and refuses another's alike, existing or not", async () => {
    const response = await get('/sellers/s-1/balance', KEYS.seller1);
    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      sellerId: 's-1',
      balances: [expect.objectContaining({ currency: 'EUR', availableMinor: 12345, escrowMinor: 45500 })],
    });
    const other = expectProblem(await get('/sellers/s-2/balance', KEYS.seller1), 403, 'forbidden');
    const unknown = expectProblem(await get('/sellers/s-404/balance', KEYS.seller1), 403, 'forbidden');
    expect(other).toEqual(unknown);
    expectProblem(await get('/sellers/s-1/balance', KEYS.reader), 403, 'forbidden');
    expect(json((await get('/sellers/s-404/balance', KEYS.admin)).body)).toEqual({
      sellerId: 's-404',
      balances: [],
    });
    expectProblem(await get('/sellers/bad id/balance', KEYS.admin), 400, 'invalid-path');
  });
});

describe('projection status', () => {
  it('shows every projection to auditors and admins only', async () => {
    const response = await get('/projections', KEYS.auditor);
    expect(response.statusCode).toBe(200);
    const names = (json(response.body)['projections'] as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(['balances', 'catalog', 'inventory', 'orders']);
    expect(json(response.body)['projections']).toContainEqual(
      expect.objectContaining({ name: 'catalog', state: 'running', checkpoint: '0:0', lagEvents: 0 }),
    );
    expect((await get('/projections', KEYS.admin)).statusCode).toBe(200);
    expectProblem(await get('/projections', KEYS.reader), 403, 'forbidden');
    expectProblem(await get('/projections', KEYS.seller1), 403, 'forbidden');
    expectProblem(await get('/projections?minPosition=1:1', KEYS.auditor), 400, 'unknown-query-parameter');
  });
});

describe('access', () => {
  const dataRoutes = [
    '/listings',
    '/listings/l-00',
    '/inventory/sku-00',
    '/orders/o-00',
    '/buyers/b-1/orders',
    '/sellers/s-1/sales',
    '/sellers/s-1/balance',
    '/projections',
  ];

  it.each(dataRoutes)('%s: no key or an unknown key is 401, with the same body', async (url) => {
    const none = await get(url, null);
    const body = expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(expectProblem(await get(url, 'not-a-key-at-all-0000000'), 401, 'unauthorized')).toEqual(body);
    expect(
      expectProblem(await get(url, null, { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'unauthorized'),
    ).toEqual(body);
  });

  it('takes the key as a bearer token or as X-Api-Key', async () => {
    expect((await get('/listings/l-00', null, { 'x-api-key': KEYS.reader })).statusCode).toBe(200);
    expect((await get('/listings/l-00', null, { authorization: `bearer ${KEYS.reader}` })).statusCode).toBe(
      200,
    );
  });

  it('gives each scope what it may read and 403 for the rest', async () => {
    const matrix: Record<string, readonly string[]> = {
      reader: ['/listings', '/listings/l-00', '/inventory/sku-00', '/orders/o-00', '/buyers/b-1/orders'],
      seller1: [
        '/listings',
        '/listings/l-00',
        '/inventory/sku-00',
        '/orders/o-00',
        '/sellers/s-1/sales',
        '/sellers/s-1/balance',
      ],
      auditor: ['/listings', '/listings/l-00', '/inventory/sku-00', '/projections'],
      admin: dataRoutes,
    };
    for (const [scope, allowed] of Object.entries(matrix)) {
      const key = KEYS[scope as keyof typeof KEYS];
      for (const url of dataRoutes) {
        const response = await get(url, key);
        if (allowed.includes(url)) expect(response.statusCode, `${scope} ${url}`).toBe(200);
        else expectProblem(response, 403, 'forbidden');
      }
    }
  });
});

describe('caching', () => {
  it.each(['/listings/l-00', '/listings?limit=3', '/orders/o-00', '/sellers/s-1/balance'])(
    '%s: ETag, 304 on If-None-Match, Cache-Control from freshness',
    async (url) => {
      const first = await get(url);
      expect(first.statusCode).toBe(200);
      const etag = String(first.headers['etag']);
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers['cache-control']).toBe('private, max-age=1');
      const again = await get(url, KEYS.admin, { 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers['etag']).toBe(etag);
      expect((await get(url, KEYS.admin, { 'if-none-match': `"other", W/${etag}` })).statusCode).toBe(304);
      expect((await get(url, KEYS.admin, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    },
  );

  it('never caches errors', async () => {
    const response = await get('/listings/l-nope');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['etag']).toBeUndefined();
  });
});

describe('correlation id', () => {
  it('echoes a valid X-Correlation-Id and makes one up otherwise', async () => {
    const given = await get('/listings/l-00', KEYS.reader, { 'x-correlation-id': 'req-123:abc' });
    expect(given.headers['x-correlation-id']).toBe('req-123:abc');
    const made = await get('/listings/l-nope', KEYS.reader);
    expect(made.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await get('/listings/l-00', KEYS.reader, { 'x-correlation-id': 'a b\u0001' });
    expect(hostile.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('limits', () => {
  it('rate-limits per API key', async () => {
    const limited = await f.app({ rateLimitPerMinute: 3 });
    const call = (key: string) => limited.inject({ url: '/listings/l-00', headers: auth(key) });
    for (let i = 0; i < 3; i++) expect((await call(KEYS.reader)).statusCode).toBe(200);
    const refused = await call(KEYS.reader);
    expectProblem(refused, 429, 'rate-limited');
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await call(KEYS.seller1)).statusCode).toBe(200);
    expect((await limited.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses a body larger than the limit, on any route', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/listings',
      headers: { ...auth(KEYS.admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'y'.repeat(20_000) }),
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('stops a query at the timeout with a 503, not a hang', async () => {
    const base = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    const slowPool = new pg.Pool(readPoolOptions(base, { ...loadReadApiSettings({}), queryTimeoutMs: 200 }));
    await base.end();
    const slow = await f.app({}, slowPool);
    const locker = await f.pool.connect();
    try {
      await locker.query('begin');
      await locker.query(`lock table "${f.schema}".inventory_v1_levels in access exclusive mode`);
      const response = await slow.inject({ url: '/inventory/sku-00', headers: auth(KEYS.reader) });
      expectProblem(response, 503, 'query-timeout');
    } finally {
      await locker.query('rollback');
      locker.release();
      await slow.close();
      await slowPool.end();
    }
  });

  it('answers 503 not-ready when the read models are not installed', async () => {
    const missing = buildApp({
      pool: f.pool,
      logger: pino({ level: 'silent' }),
      config: { ...loadConfig({}), readModelSchema: 'rapi_not_installed', eventStoreSchema: f.schema },
      settings: loadReadApiSettings({ API_KEYS }),
      auditRoutes: false,
    });
    try {
      await missing.ready();
      const response = await missing.inject({ url: '/listings/l-00', headers: auth(KEYS.reader) });
      expectProblem(response, 503, 'not-ready');
      expectProblem(await missing.inject({ url: '/readyz' }), 503, 'not-ready');
    } finally {
      await missing.close();
    }
  });
});

describe('read your writes', () => {
  let position: LogPosition;

  beforeAll(async () => {
    const store = await openPostgresEventStore({ pool: f.pool, schema: f.schema });
    const appended = await store.append('listing-l-rw', [{ type: 'TestOnly', data: { n: 1 } }], {
      expectedRevision: Expected.noStream,
    });
    if (!appended.ok) throw new Error('append failed');
    position = appended.position;
  });

  it('waits for the projection to reach minPosition, then answers', async () => {
    // A generous bound, so a loaded machine cannot turn the wait into a refusal.
    const patient = await f.app({ minPositionWaitMs: 20_000 });
    const pending = patient.inject({
      url: `/listings/l-00?minPosition=${formatPosition(position)}`,
      headers: auth(KEYS.admin),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await f.setCheckpoint('catalog', position.commit, position.prepare);
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-projection-position']).toBe(formatPosition(position));
    // The inventory projection is behind the head now, so its answers must be revalidated. The
    // event counts as lag once it is readable, i.e. once every older transaction of the database
    // (other tests' too) has ended: wait for the status to show it.
    await until(async () => {
      const body = json((await get('/projections', KEYS.auditor)).body);
      const inventory = (body['projections'] as { name: string; lagEvents: number }[]).find(
        (p) => p.name === 'inventory',
      );
      return (inventory?.lagEvents ?? 0) > 0;
    });
    expect((await get('/listings/l-00')).headers['cache-control']).toBe('private, max-age=1');
    expect((await get('/inventory/sku-00')).headers['cache-control']).toBe('private, no-cache');
  });

  it('says the projection is behind, with Retry-After, when it does not get there in time', async () => {
    const ahead = formatPosition({ commit: position.commit + 1000, prepare: 0 });
    const viaQuery = await get(`/orders/o-00?minPosition=${ahead}`);
    expectProblem(viaQuery, 503, 'projection-behind');
    expect(Number(viaQuery.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const viaHeader = await get('/orders/o-00', KEYS.admin, { 'x-min-position': ahead });
    expectProblem(viaHeader, 503, 'projection-behind');
    // A position already reached answers at once, from query or header.
    expect((await get('/orders/o-00?minPosition=0:0')).statusCode).toBe(200);
    expect((await get('/orders/o-00', KEYS.admin, { 'x-min-position': '0:0' })).statusCode).toBe(200);
  });

  it('says at once when the projection is halted before the position', async () => {
    await f.setState('balances', 'halted');
    try {
      await get('/projections', KEYS.auditor);
      const response = await get(`/sellers/s-1/balance?minPosition=${formatPosition(position)}`);
      expectProblem(response, 503, 'projection-halted');
    } finally {
      await f.setState('balances', 'running');
      await get('/projections', KEYS.auditor);
    }
  });

  it('refuses a malformed position', async () => {
    for (const bad of ['1', 'a:b', '1:2:3', '-1:0', '99999999999999999:0', '1:%20']) {
      expectProblem(await get(`/listings/l-00?minPosition=${bad}`), 400, 'invalid-position');
    }
    expectProblem(
      await get('/listings/l-00', KEYS.admin, { 'x-min-position': 'soon' }),
      400,
      'invalid-position',
    );
    expectProblem(await get(`/listings/l-00?minPosition=${'1'.repeat(41)}`), 400, 'invalid-query');
  });
});
