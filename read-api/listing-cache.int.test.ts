import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryEvent } from '../domain/inventory/events.ts';
import type { ListingEvent } from '../domain/listing/events.ts';
import { loadConfig } from '../infra/config.ts';
import { Expected, comparePositions, formatPosition, parsePosition } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import { readCheckpoints, readProjectionStatus } from '../projections/read-models/status.ts';
import { startProjectionWorker } from '../projections/runner.ts';
import type { ProjectionWorker } from '../projections/runner.ts';
import { openHarness } from '../projections/test/harness.ts';
import type { Harness } from '../projections/test/harness.ts';
import { createKysely } from '../infra/postgres/database.ts';
import { buildApp } from './app.ts';
import type { App } from './app.ts';
import { ProjectionStatusCache } from './freshness.ts';
import { ListingReader } from './listing-reads.ts';
import { renderListing } from './routes/catalog.ts';
import { loadReadApiSettings } from './settings.ts';

/**
 * The by-id cache over read models the real projection worker builds: a
 * cached listing is replaced once the catalog changes it, never served as
 * newer than it is, and read-your-writes still sees a write at once.
 */
const READER = 'reader-key-listing-cache-01';
const REFRESH_MS = 50;
const logger = pino({ level: 'silent' });
const at = (minute: number): string => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();
const EUR = (amount: number) => ({ amount, currency: 'EUR' as const, currencyExponent: 2 });

let h: Harness;
let app: App;
let worker: ProjectionWorker;

type ListingBody = { listingId: string; price: { amountMinor: number }; stock: { onHand: number } };

const append = async (streamId: string, event: ListingEvent | InventoryEvent): Promise<LogPosition> => {
  const appended = await h.store.append(streamId, [event], { expectedRevision: Expected.any });
  if (!appended.ok) throw new Error(`append to ${streamId} conflicted`);
  return appended.position;
};

const createListing = async (id: string, sku: string, price: number): Promise<LogPosition> => {
  await append(`listing-${id}`, {
    type: 'ListingCreated',
    data: { listingId: id, sellerId: 's1', title: `Thing ${id}`, price: EUR(price), sku, at: at(0) },
  });
  return append(`listing-${id}`, { type: 'ListingPublished', data: { listingId: id, by: 's1', at: at(1) } });
};

const changePrice = (id: string, amount: number, previousAmount: number): Promise<LogPosition> =>
  append(`listing-${id}`, {
    type: 'ListingPriceChanged',
    data: { listingId: id, price: EUR(amount), previousAmount, by: 's1', at: at(2) },
  });

const get = (url: string, headers: Record<string, string> = {}, on: App = app) =>
  on.inject({ url, headers: { authorization: `Bearer ${READER}`, ...headers } });

const lookups = async (): Promise<{ hit: number; miss: number }> => {
  const text = (await app.inject({ url: '/metrics' })).body;
  const count = (result: string): number =>
    Number(
      new RegExp(`read_api_listing_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
    );
  return { hit: count('hit'), miss: count('miss') };
};

/** Reads until a read of `url` is a cache hit: the cache holds it, validated through the claim. */
const untilCached = async (url: string): Promise<void> => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const before = (await lookups()).hit;
    expect((await get(url)).statusCode).toBe(200);
    if ((await lookups()).hit > before) return;
    if (Date.now() > deadline) throw new Error(`${url} never came from the cache`);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  }
};

/**
 * Reads `url` without minPosition until an answer claims `written` (checking
 * that such an answer shows it), then until one comes from the cache, which
 * must show it too: the cache dropped the old state.
 */
const readUntil = async (
  url: string,
  written: LogPosition,
  shows: (body: ListingBody) => boolean,
): Promise<void> => {
  const deadline = Date.now() + 20_000;
  const read = async (): Promise<boolean> => {
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    const claimed = parsePosition(String(response.headers['x-projection-position']));
    if (claimed === null || comparePositions(claimed, written) < 0) return false;
    expect(shows(JSON.parse(response.body) as ListingBody)).toBe(true);
    return true;
  };
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`${url} never reached ${formatPosition(written)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await untilCached(url);
  expect(await read()).toBe(true);
};

beforeAll(async () => {
  h = await openHarness('rapi_lcache', 8);
  await append('inventory-A', {
    type: 'StockReceived',
    data: { sku: 'A', receiptId: 'r1', quantity: 10, onHand: 10, receivedAt: at(0) },
  });
  await createListing('L1', 'A', 2500);
  await createListing('L2', 'A', 900);
  worker = startProjectionWorker({ pool: h.pool, store: h.store, schema: h.schema, maxIdleMs: 20 });
  app = buildApp({
    pool: h.pool,
    logger,
    config: { ...loadConfig({}), eventStoreSchema: h.schema, readModelSchema: h.schema },
    settings: {
      ...loadReadApiSettings({ API_KEYS: `${READER}:reader` }),
      minPositionWaitMs: 30_000,
      statusRefreshMs: REFRESH_MS,
    },
    auditRoutes: false,
  });
  await app.ready();
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await h.drop();
});

describe('the listing cache of GET /listings/:id', () => {
  it('answers from memory what Postgres answers, until the catalog changes the listing', async () => {
    const written = await changePrice('L1', 2400, 2500);
    const first = await get(`/listings/L1?minPosition=${formatPosition(written)}`);
    expect(first.statusCode).toBe(200);
    await untilCached('/listings/L1');
    const cached = await get('/listings/L1');
    expect(cached.body).toBe(first.body);
    expect(cached.headers['etag']).toBe(first.headers['etag']);
    expect(cached.headers['content-type']).toBe('application/json; charset=utf-8');
    // The same representation as the listing in a catalog page (serialized by the route schema).
    const page = JSON.parse((await get('/listings?seller=s1')).body) as { items: ListingBody[] };
    expect(page.items.find((l) => l.listingId === 'L1')).toEqual(JSON.parse(cached.body));

    const changed = await changePrice('L1', 1999, 2400);
    await readUntil('/listings/L1', changed, (body) => body.price.amountMinor === 1999);
  });

  it('drops a listing when the stock of its SKU changes', async () => {
    await untilCached('/listings/L2');
    const adjusted = await append('inventory-A', {
      type: 'StockAdjusted',
      data: { sku: 'A', adjustmentId: 'adj1', delta: -3, reason: 'broken', onHand: 7, adjustedAt: at(3) },
    });
    await readUntil('/listings/L2', adjusted, (body) => body.stock.onHand === 7);
    await readUntil('/listings/L1', adjusted, (body) => body.stock.onHand === 7);
  });

  it('answers a read with minPosition with the write it waited for, the old state cached or not', async () => {
    await untilCached('/listings/L1');
    const written = await changePrice('L1', 1500, 1999);
    const response = await get(`/listings/L1?minPosition=${formatPosition(written)}`);
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as ListingBody).price.amountMinor).toBe(1500);
    const viaHeader = await get('/listings/L1', { 'x-min-position': formatPosition(written) });
    expect((JSON.parse(viaHeader.body) as ListingBody).price.amountMinor).toBe(1500);
  });

  it('keeps ETags and 304 right across a change', async () => {
    await untilCached('/listings/L2');
    const before = await get('/listings/L2');
    const etag = String(before.headers['etag']);
    const notModified = await get('/listings/L2', { 'if-none-match': etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers['etag']).toBe(etag);
    expect((await get('/listings/L2', { 'if-none-match': `"x", W/${etag}` })).statusCode).toBe(304);

    const written = await changePrice('L2', 800, 900);
    const after = await get('/listings/L2', {
      'if-none-match': etag,
      'x-min-position': formatPosition(written),
    });
    expect(after.statusCode).toBe(200);
    expect(after.headers['etag']).not.toBe(etag);
    expect((await get('/listings/L2', { 'if-none-match': String(after.headers['etag']) })).statusCode).toBe(
      304,
    );
  });

  it('answers 404 for a listing that does not exist, and then for one created since', async () => {
    expect((await get('/listings/L9')).statusCode).toBe(404);
    const created = await createListing('L9', 'B', 100);
    expect((await get(`/listings/L9?minPosition=${formatPosition(created)}`)).statusCode).toBe(200);
  });

  it('holds no more listings than its size, and answers every listing all the same', async () => {
    let last: LogPosition = { commit: 0, prepare: 0 };
    for (const id of ['L3', 'L4', 'L5', 'L6']) last = await createListing(id, `S${id}`, 100);
    const wait = { 'x-min-position': formatPosition(last) };
    const db = createKysely<unknown>(h.pool);
    const status = new ProjectionStatusCache(
      {
        status: () => readProjectionStatus(db, { readModelSchema: h.schema, eventStoreSchema: h.schema }),
        checkpoints: () => readCheckpoints(db, h.schema),
      },
      REFRESH_MS,
      logger,
    );
    const reader = new ListingReader({
      pool: h.pool,
      readModelSchema: h.schema,
      eventStoreSchema: h.schema,
      status,
      maxEntries: 2,
      refreshMs: REFRESH_MS,
      render: renderListing,
      logger,
    });
    // The catalog has folded every listing before the cache starts: its checkpoint stays put from
    // here on, so no refresh evicts what the rounds below admit (else the count at the end would
    // depend on when a refresh lands).
    await get('/listings/L6', wait);
    reader.start();
    const refreshed = new Promise<void>((resolve) => {
      const off = status.onRefresh(() => {
        off();
        resolve();
      });
    });
    status.start();
    try {
      await refreshed;
      expect(await reader.warm()).toBe(2);
      const ids = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6'];
      for (let round = 0; round < 3; round++) {
        for (const id of ids) {
          const listing = await reader.read(id);
          expect(listing?.body.toString()).toBe((await get(`/listings/${id}`, wait)).body);
          expect(reader.cachedEntries).toBeLessThanOrEqual(2);
        }
      }
      expect(reader.cachedEntries).toBe(2);
    } finally {
      reader.stop();
      status.stop();
    }
  });
});
