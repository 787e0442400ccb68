import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { retryProjection, skipEvent, OperatorError } from './operator.ts';
import { startProjectionWorker } from './runner.ts';
import type { ProjectionWorker } from './runner.ts';
import { openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { scriptedDay } from './test/script.ts';

describe('a poison event', () => {
  let h: Harness;
  let worker: ProjectionWorker;
  const day = scriptedDay();
  // ListingPublished of a listing that was never created: the catalog cannot apply it.
  const poison = {
    streamId: 'listing-ghost',
    event: {
      type: 'ListingPublished',
      data: { listingId: 'ghost', by: 's1', at: '2026-11-23T09:05:00.000Z' },
    },
  } as const;

  beforeAll(async () => {
    h = await openHarness('proj_poison');
    worker = startProjectionWorker({
      pool: h.pool,
      store: h.store,
      schema: h.schema,
      lockRetryMs: 50,
      batchSize: 100,
    });
    await h.append(day.slice(0, 10));
    await h.append([poison]);
    await h.append(day.slice(10));
    await waitForProjections(h);
  });

  afterAll(async () => {
    await worker.stop();
    await h.drop();
  });

  const poisonEvent = async () => {
    const [event] = await h.store.readStream('listing-ghost');
    if (event === undefined) throw new Error('no poison event');
    return event;
  };

  it('halts only its projection, at the event before it, and shows the event, the error and the lag', async () => {
    const event = await poisonEvent();
    const status = await h.status();
    const catalog = status.find((s) => s.name === 'catalog');
    expect(catalog).toMatchObject({
      state: 'halted',
      failedEvent: { eventId: event.eventId, type: 'ListingPublished', position: event.position },
    });
    expect(catalog?.lastError).toMatch(/listing ghost is not in the read model/);
    expect(catalog?.checkpoint.prepare).toBe(event.position.prepare - 1);
    expect(catalog?.lagEvents).toBeGreaterThan(0);
    for (const other of status.filter((s) => s.name !== 'catalog')) {
      expect(other).toMatchObject({ state: 'running', lagEvents: 0, failedEvent: null });
    }
    // What came before the poison event is in the catalog; what came after is not.
    const { rows } = await sql<{ listing_id: string; price_minor: string }>`
      select listing_id, price_minor from ${sql.table(`${h.schema}.listings`)} order by listing_id`.execute(
      h.db,
    );
    expect(rows).toEqual([
      { listing_id: 'L1', price_minor: '2300' },
      { listing_id: 'L2', price_minor: '900' },
    ]);
    const stock = await sql<{
      on_hand: number;
    }>`select on_hand from ${sql.table(`${h.schema}.listings`)} where listing_id = 'L1'`.execute(h.db);
    expect(stock.rows[0]?.on_hand).toBe(10);
  });

  it('a retry meets the same event again and halts again', async () => {
    const event = await poisonEvent();
    await retryProjection(h.db, h.schema, 'catalog');
    await waitForProjections(h);
    const catalog = (await h.status()).find((s) => s.name === 'catalog');
    expect(catalog).toMatchObject({ state: 'halted', failedEvent: { eventId: event.eventId } });
  });

  it('a skip must name the event it halted on', async () => {
    await expect(
      skipEvent(h.db, h.schema, 'catalog', '00000000-0000-7000-8000-000000000000', 'test'),
    ).rejects.toThrow(OperatorError);
    await expect(retryProjection(h.db, h.schema, 'orders')).rejects.toThrow(OperatorError);
  });

  it('a skip passes exactly that event, is recorded, and the projection catches up', async () => {
    const event = await poisonEvent();
    await skipEvent(h.db, h.schema, 'catalog', event.eventId, 'operator:test');
    const status = await waitForProjections(h);
    expect(status.find((s) => s.name === 'catalog')).toMatchObject({
      state: 'running',
      lagEvents: 0,
      failedEvent: null,
    });
    const { rows } = await sql<{ event_id: string; skipped_by: string; error: string }>`
      select event_id, skipped_by, error from ${sql.table(`${h.schema}.projection_skips`)}`.execute(h.db);
    expect(rows).toEqual([
      {
        event_id: event.eventId,
        skipped_by: 'operator:test',
        error: expect.stringMatching(/ghost/) as unknown,
      },
    ]);
    const stock = await sql<{
      on_hand: number;
    }>`select on_hand from ${sql.table(`${h.schema}.listings`)} where listing_id = 'L1'`.execute(h.db);
    expect(stock.rows[0]?.on_hand).toBe(7);
  });
});
