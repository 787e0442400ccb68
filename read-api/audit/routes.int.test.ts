import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.ts';
import { AUDIT_KEYS, bearer, createAuditTestBed } from './test-setup.ts';
import type { AuditTestBed } from './test-setup.ts';

describe('audit routes under /audit (real Postgres, through buildApp)', () => {
  let bed: AuditTestBed;
  let app: App;
  const get = (url: string, key: string = AUDIT_KEYS.auditor) =>
    app.inject({ method: 'GET', url, headers: bearer(key) });

  beforeAll(async () => {
    bed = await createAuditTestBed('audit_routes');
    app = await bed.app();
  });
  afterAll(async () => {
    await bed.close();
  });

  it('serves the page to anyone and the data only to auditors and admins', async () => {
    const page = await app.inject({ method: 'GET', url: '/audit/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('commerce-core audit');

    expect((await app.inject({ method: 'GET', url: '/audit/categories' })).statusCode).toBe(401);
    const reader = await get('/audit/categories', AUDIT_KEYS.reader);
    expect(reader.statusCode).toBe(403);
    expect(reader.json()).toMatchObject({ code: 'forbidden' });
    expect((await get('/audit/categories', AUDIT_KEYS.admin)).statusCode).toBe(200);
  });

  it('lists categories and streams', async () => {
    expect((await get('/audit/categories')).json()).toEqual({
      categories: [{ category: 'listing', streams: 4, events: 12 }],
    });
    const first = (await get('/audit/streams?category=listing&limit=3')).json<{
      streams: { streamId: string }[];
      next: string | null;
    }>();
    expect(first.streams.map((s) => s.streamId)).toEqual(['listing-l0', 'listing-l1', 'listing-l2']);
    expect(first.next).toBe('listing-l2');
    const rest = (
      await get(`/audit/streams?category=listing&limit=3&after=${first.next ?? ''}`)
    ).json<unknown>();
    expect(rest).toMatchObject({
      streams: [{ streamId: 'listing-l3', events: 3, lastRevision: 2 }],
      next: null,
    });
  });

  it('gives a stream history with its metadata, in order, paged', async () => {
    const all = (await get('/audit/streams/listing-l1/events')).json<{
      nextRevision: number | null;
      events: { revision: number; type: string; metadata: unknown }[];
    }>();
    expect(all.nextRevision).toBeNull();
    expect(all.events.map((e) => [e.revision, e.type])).toEqual([
      [0, 'ListingCreated'],
      [1, 'ListingPublished'],
      [2, 'ListingPriceChanged'],
    ]);
    expect(all.events[1]?.metadata).toEqual({
      actor: 's-1',
      commandId: 'cmd-l1-1',
      correlationId: 'corr-l1',
      causationId: 'cmd-l1-0',
    });
    const page = (await get('/audit/streams/listing-l1/events?fromRevision=1&limit=1')).json<unknown>();
    expect(page).toMatchObject({ events: [{ revision: 1 }], nextRevision: 2 });
    expect((await get('/audit/streams/listing-none/events')).json()).toEqual({
      streamId: 'listing-none',
      events: [],
      nextRevision: null,
    });
  });

  it('folds state as of a revision, a time, or now', async () => {
    const atOne = (await get('/audit/streams/listing-l2/state?revision=1')).json<unknown>();
    expect(atOne).toMatchObject({
      revision: 1,
      eventCount: 2,
      state: { status: 'active', price: { amount: 12_000 } },
    });
    const now = (await get('/audit/streams/listing-l2/state')).json<unknown>();
    expect(now).toMatchObject({ revision: 2, state: { status: 'active', price: { amount: 9_900 } } });
    const before = (await get('/audit/streams/listing-l2/state?at=2000-01-01T00:00:00.000Z')).json<unknown>();
    expect(before).toMatchObject({ revision: -1, eventCount: 0, state: { status: 'none' } });
  });

  it('answers bad input with a problem and a stable code', async () => {
    const bad = await get('/audit/streams/not%20a%20stream/state');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json()).toMatchObject({ code: 'audit-invalid-stream-id' });
    expect((await get('/audit/streams/widget-1/state')).json()).toMatchObject({
      status: 404,
      code: 'audit-unknown-category',
    });
    expect((await get('/audit/streams/listing-l1/state?at=yesterday')).json()).toMatchObject({
      code: 'audit-invalid-as-of',
    });
    expect((await get('/audit/streams/listing-l1/state?revision=1&at=2026-01-01T00:00:00Z')).statusCode).toBe(
      400,
    );
    expect((await get('/audit/export?from=12')).json()).toMatchObject({ code: 'audit-invalid-range' });
    expect((await get('/audit/verify?bogus=1')).json()).toMatchObject({ code: 'unknown-query-parameter' });
  });

  it('exports the log as NDJSON in log order, whole or by range', async () => {
    const whole = await get('/audit/export');
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toContain('application/x-ndjson');
    const lines = whole.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { position: string });
    expect(lines).toHaveLength(12);
    expect(whole.headers['x-event-count']).toBe('12');
    const second = lines[1]?.position ?? '';
    const third = lines[2]?.position ?? '';
    const range = await get(`/audit/export?from=${second}&to=${third}`);
    expect(
      range.body
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { position: string }).position),
    ).toEqual([second, third]);
    const none = await get('/audit/export?since=2100-01-01T00:00:00Z');
    expect(none.body).toBe('');
    expect(none.headers['x-event-count']).toBe('0');
  });

  it('runs the replay check of a projection (no worker here: live and replay both at position 0)', async () => {
    const report = await get('/audit/replay-check/catalog');
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      projection: 'catalog',
      liveVersion: 1,
      checkpoint: '0:0',
      ok: true,
    });
    const unknown = await get('/audit/replay-check/nonsense');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'audit-unknown-projection' });
  });

  it('verifies chains and checkpoints, and names the tampered stream and revision', async () => {
    expect((await get('/audit/verify')).json()).toMatchObject({
      ok: true,
      streams: 4,
      events: 12,
      findings: [],
    });
    const refused = await app.inject({
      method: 'POST',
      url: '/audit/checkpoints',
      headers: bearer(AUDIT_KEYS.auditor),
    });
    expect(refused.statusCode).toBe(403);
    const created = await app.inject({
      method: 'POST',
      url: '/audit/checkpoints',
      headers: bearer(AUDIT_KEYS.admin),
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ eventCount: 12, algorithm: 'Ed25519' });
    expect((await get('/audit/checkpoints/verify')).json()).toMatchObject({ ok: true });
    const exported = (await get('/audit/checkpoints/export')).json<object>();

    await bed.db.pool.query(
      `update "${bed.db.schema}".events set data = jsonb_set(data::jsonb, '{price,amount}', '1') where stream_id = 'listing-l3' and stream_revision = 2`,
    );
    const report = (await get('/audit/verify')).json<unknown>();
    expect(report).toMatchObject({
      ok: false,
      findingCount: 1,
      findings: [{ kind: 'hash-mismatch', streamId: 'listing-l3', revision: 2 }],
    });
    expect((await get('/audit/checkpoints/verify')).json()).toMatchObject({
      ok: false,
      checkpoints: [{ signature: 'valid', log: 'changed' }],
    });
    const kept = await app.inject({
      method: 'POST',
      url: '/audit/checkpoints/verify',
      headers: bearer(AUDIT_KEYS.auditor),
      payload: exported,
    });
    expect(kept.json()).toMatchObject({ ok: false, checkpoints: [{ signature: 'valid', log: 'changed' }] });
  });
});
