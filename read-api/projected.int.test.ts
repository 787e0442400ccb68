import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { formatPosition } from '../infra/event-store/port.ts';
import { startProjectionWorker } from '../projections/runner.ts';
import type { ProjectionWorker } from '../projections/runner.ts';
import { openHarness } from '../projections/test/harness.ts';
import type { Harness } from '../projections/test/harness.ts';
import { scriptedDay } from '../projections/test/script.ts';
import { buildApp } from './app.ts';
import type { App } from './app.ts';
import { loadReadApiSettings } from './settings.ts';

/**
 * The API over read models that the real projection worker builds from
 * appended domain events: read-your-writes with the positions the appends
 * returned, as a client holding a command reply would.
 */
const READER = 'reader-key-projected-0001';
const SELLER = 'seller-key-projected-0002';

let h: Harness;
let app: App;
let worker: ProjectionWorker | null = null;

const startWorker = (): void => {
  worker = startProjectionWorker({ pool: h.pool, store: h.store, schema: h.schema, maxIdleMs: 20 });
};

const stopWorker = async (): Promise<void> => {
  await worker?.stop();
  worker = null;
};

beforeAll(async () => {
  h = await openHarness('rapi_projected', 8);
  app = buildApp({
    pool: h.pool,
    logger: pino({ level: 'silent' }),
    config: { ...loadConfig({}), eventStoreSchema: h.schema, readModelSchema: h.schema },
    settings: {
      ...loadReadApiSettings({ API_KEYS: `${READER}:reader,${SELLER}:seller:s1` }),
      minPositionWaitMs: 30_000,
    },
  });
  await app.ready();
  startWorker();
});

afterAll(async () => {
  await stopWorker();
  await app.close();
  await h.drop();
});

const get = (url: string, key = READER) => app.inject({ url, headers: { authorization: `Bearer ${key}` } });

describe('read your writes over projected events', () => {
  it('waits for the events just appended, then shows them in every read model', async () => {
    const position = formatPosition(await h.append(scriptedDay()));

    const listing = await get(`/listings/L1?minPosition=${position}`);
    expect(listing.statusCode).toBe(200);
    expect(JSON.parse(listing.body)).toMatchObject({ listingId: 'L1', sellerId: 's1', sku: 'A' });

    const order = await get(`/orders/O1?minPosition=${position}`);
    expect(order.statusCode).toBe(200);
    const body = JSON.parse(order.body) as { status: string; timeline: { type: string }[] };
    expect(body.status).toBe('completed');
    expect(body.timeline.map((t) => t.type)).toEqual(
      expect.arrayContaining(['OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderCompleted']),
    );

    const balance = await get(`/sellers/s1/balance?minPosition=${position}`, SELLER);
    expect(balance.statusCode).toBe(200);
    expect((JSON.parse(balance.body) as { balances: unknown[] }).balances).toHaveLength(1);

    const stock = await get(`/inventory/A?minPosition=${position}`);
    expect(stock.statusCode).toBe(200);
  });

  it('says the projection is behind while no worker runs, and answers once one catches up', async () => {
    const before = await get('/listings/L1');
    await stopWorker();
    const appended = await h.store.append(
      'listing-L1',
      [
        {
          type: 'ListingPriceChanged',
          data: {
            listingId: 'L1',
            price: { amount: 1999, currency: 'EUR', currencyExponent: 2 },
            previousAmount: 2500,
            by: 's1',
            at: '2026-11-23T12:00:00.000Z',
          },
        },
      ],
      { expectedRevision: { kind: 'any' } },
    );
    if (!appended.ok) throw new Error('append conflicted');
    const position = formatPosition(appended.position);

    // An app with a short wait shows the refusal; the shared one waits up to 30 s.
    const quick = buildApp({
      pool: h.pool,
      logger: pino({ level: 'silent' }),
      config: { ...loadConfig({}), eventStoreSchema: h.schema, readModelSchema: h.schema },
      settings: { ...loadReadApiSettings({ API_KEYS: `${READER}:reader` }), minPositionWaitMs: 200 },
    });
    try {
      const refused = await quick.inject({
        url: `/listings/L1?minPosition=${position}`,
        headers: { authorization: `Bearer ${READER}` },
      });
      expect(refused.statusCode).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'projection-behind' });
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await quick.close();
    }

    startWorker();
    const after = await get(`/listings/L1?minPosition=${position}`);
    expect(after.statusCode).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ price: { amountMinor: 1999 } });
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    expect(after.headers['x-projection-position']).toBeDefined();
  });
});
