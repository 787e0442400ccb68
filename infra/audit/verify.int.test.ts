import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Expected, START } from '../event-store/port.ts';
import type { EventMetadata, NewEvent } from '../event-store/port.ts';
import { chainHash, contentDigest } from '../event-store/canonical.ts';
import { openPostgresEventStore } from '../event-store/postgres/open.ts';
import type { PostgresEventStore } from '../event-store/postgres/postgres-event-store.ts';
import { createTestSchema } from '../postgres/test-database.ts';
import type { TestSchema } from '../postgres/test-database.ts';
import { openAuditor } from './auditor.ts';
import type { Auditor } from './auditor.ts';
import { generateSigningKey, parseSigningKey } from './signing.ts';
import { waitUntilSettled } from './testing.ts';

const event = (stream: string, n: number): NewEvent => ({
  type: 'EntryPosted',
  data: { stream, n, amount: { amount: 100 * (n + 1), currency: 'EUR' } },
  metadata: { actor: `user-${n % 3}`, commandId: `cmd-${stream}-${n}`, correlationId: `corr-${stream}` },
});

const STREAMS = ['ledger-a', 'ledger-b', 'ledger-c'];
const PER_STREAM = 6;

describe('audit verification against tampering done directly in SQL', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let auditor: Auditor;
  const sql = (text: string, params: unknown[] = []): Promise<unknown> =>
    db.pool.query(text.replaceAll('$events', `"${db.schema}".events`), params);

  beforeEach(async () => {
    db = await createTestSchema('audit_verify', 4);
    store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
    let last = START;
    // Appends interleaved across streams, a few per call, as the command side writes.
    for (let n = 0; n < PER_STREAM; n += 2) {
      for (const stream of STREAMS) {
        const result = await store.append(stream, [event(stream, n), event(stream, n + 1)], {
          expectedRevision: n === 0 ? Expected.noStream : Expected.revision(n - 1),
        });
        if (!result.ok) throw new Error('seed conflict');
        last = result.position;
      }
    }
    await waitUntilSettled(store, last);
    auditor = await openAuditor({
      pool: db.pool,
      schema: db.schema,
      aggregates: {},
      signer: parseSigningKey(generateSigningKey().privateKeyPem),
    });
  });

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('finds an untouched log clean', async () => {
    const report = await auditor.verifyChains();
    expect(report).toEqual({
      ok: true,
      streams: STREAMS.length,
      events: STREAMS.length * PER_STREAM,
      findings: [],
      findingCount: 0,
    });
  });

  it('names the stream and revision of an event whose data was edited', async () => {
    await sql(
      `update $events set data = jsonb_set(data::jsonb, '{amount,amount}', '1') where stream_id = $1 and stream_revision = 3`,
      ['ledger-b'],
    );
    const report = await auditor.verifyChains();
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'hash-mismatch', streamId: 'ledger-b', revision: 3 }),
    ]);
  });

  it('names an edited metadata field or stored hash the same way', async () => {
    await sql(
      `update $events set metadata = jsonb_set(metadata::jsonb, '{actor}', '"mallory"') where stream_id = 'ledger-a' and stream_revision = 0`,
    );
    await sql(`update $events set hash = sha256(hash) where stream_id = 'ledger-c' and stream_revision = 5`);
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'hash-mismatch', streamId: 'ledger-a', revision: 0 }),
      expect.objectContaining({ kind: 'hash-mismatch', streamId: 'ledger-c', revision: 5 }),
    ]);
  });

  it('names the missing revision when an event was deleted', async () => {
    await sql(`delete from $events where stream_id = 'ledger-c' and stream_revision = 2`);
    await sql(`delete from $events where stream_id = 'ledger-a' and stream_revision = 0`);
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'missing-revisions', streamId: 'ledger-a', revision: 0, through: 0 }),
      expect.objectContaining({ kind: 'missing-revisions', streamId: 'ledger-c', revision: 2, through: 2 }),
    ]);
  });

  it('names a gap in revisions made by renumbering', async () => {
    await sql(
      `update $events set stream_revision = stream_revision + 2 where stream_id = 'ledger-b' and stream_revision = 5`,
    );
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'missing-revisions', streamId: 'ledger-b', revision: 5, through: 6 }),
    ]);
  });

  const shiftFrom = async (stream: string, revision: number): Promise<void> => {
    // Two steps: a one-statement shift would trip the unique key half way.
    await sql(
      `update $events set stream_revision = stream_revision + 1000 where stream_id = $1 and stream_revision >= $2`,
      [stream, revision],
    );
    await sql(
      `update $events set stream_revision = stream_revision - 999 where stream_id = $1 and stream_revision >= 1000`,
      [stream],
    );
  };

  const insertForgedAt = async (stream: string, revision: number): Promise<void> => {
    await shiftFrom(stream, revision);
    await sql(
      `insert into $events (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
       select stream_id, $2::bigint, gen_random_uuid(), 'EntryPosted', '{"n": 99, "amount": {"amount": 1, "currency": "EUR"}}',
              metadata, schema_version, recorded_at, sha256('forged')
         from $events where stream_id = $1 and stream_revision = $2::bigint - 1`,
      [stream, revision],
    );
  };

  it('names an event inserted in the middle of a stream with a made-up hash', async () => {
    await insertForgedAt('ledger-a', 3);
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'inserted', streamId: 'ledger-a', revision: 3 }),
    ]);
  });

  it('names an inserted event even when its own hash was chained correctly by the forger', async () => {
    // The forger knows the algorithm but cannot rewrite every later hash without it showing.
    const forged = await db.pool.query<{ hash: Buffer; recorded_at: Date; metadata: EventMetadata }>(
      `select hash, recorded_at, metadata from "${db.schema}".events where stream_id = 'ledger-b' and stream_revision = 1`,
    );
    expect(forged.rows).toHaveLength(1);
    // Build the forged row in Node with the real canonical digest and chain.
    const [row] = forged.rows;
    if (row === undefined) throw new Error('no row to forge from');
    const eventId = '0190b5a4-0000-7000-8000-000000000001';
    const data = { n: 99, amount: { amount: 1, currency: 'EUR' } };
    const digest = contentDigest({
      eventId,
      streamId: 'ledger-b',
      type: 'EntryPosted',
      data,
      metadata: row.metadata,
      schemaVersion: 1,
      recordedAt: row.recorded_at.toISOString(),
    });
    const hash = chainHash(row.hash, 2, digest);
    await shiftFrom('ledger-b', 2);
    await sql(
      `insert into $events (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
       values ('ledger-b', 2, $1, 'EntryPosted', $2, $3, 1, $4, $5)`,
      [eventId, JSON.stringify(data), JSON.stringify(row.metadata), row.recorded_at, hash],
    );
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'inserted', streamId: 'ledger-b', revision: 2, eventId }),
    ]);
  });

  it('names two events that were swapped', async () => {
    await sql(
      `update $events set stream_revision = 100 where stream_id = 'ledger-c' and stream_revision = 3`,
    );
    await sql(`update $events set stream_revision = 3 where stream_id = 'ledger-c' and stream_revision = 4`);
    await sql(
      `update $events set stream_revision = 4 where stream_id = 'ledger-c' and stream_revision = 100`,
    );
    const report = await auditor.verifyChains();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'swapped', streamId: 'ledger-c', revision: 3, otherRevision: 4 }),
    ]);
  });

  it('keeps a checkpoint valid while the log only grows, and fails it after a tamper before it', async () => {
    const checkpoint = await auditor.createCheckpoint();
    expect(checkpoint.eventCount).toBe(STREAMS.length * PER_STREAM);
    const appended = await store.append('ledger-d', [event('ledger-d', 0)], {
      expectedRevision: Expected.noStream,
    });
    if (!appended.ok) throw new Error('conflict');
    await waitUntilSettled(store, appended.position);
    const later = await auditor.createCheckpoint();
    expect(later.eventCount).toBe(STREAMS.length * PER_STREAM + 1);
    expect((await auditor.verifyCheckpoints()).ok).toBe(true);

    await sql(
      `update $events set data = jsonb_set(data::jsonb, '{n}', '7') where stream_id = 'ledger-a' and stream_revision = 1`,
    );
    const report = await auditor.verifyCheckpoints();
    expect(report.ok).toBe(false);
    expect(report.checkpoints.map((c) => [c.id, c.signature, c.log])).toEqual([
      [checkpoint.id, 'valid', 'changed'],
      [later.id, 'valid', 'changed'],
    ]);
  });

  it('fails a checkpoint when two events of different streams swap places in the global log', async () => {
    const checkpoint = await auditor.createCheckpoint();
    // Per-stream chains cannot see this: each stream keeps its order.
    const { rows } = await db.pool.query<{ position: string }>(
      `select position::text from "${db.schema}".events where stream_id in ('ledger-a', 'ledger-b') and stream_revision = 0 order by position`,
    );
    const [a, b] = rows.map((r) => r.position);
    await sql(`alter table $events alter column position drop identity`);
    await sql(`update $events set position = -1 where position = $1`, [a]);
    await sql(`update $events set position = $1 where position = $2`, [a, b]);
    await sql(`update $events set position = $1 where position = -1`, [b]);
    expect((await auditor.verifyChains()).ok).toBe(true);
    const report = await auditor.verifyCheckpoints();
    expect(report.checkpoints).toEqual([
      expect.objectContaining({
        id: checkpoint.id,
        signature: 'valid',
        log: 'changed',
        actualEventCount: checkpoint.eventCount,
      }),
    ]);
  });

  it('refuses a checkpoint whose signature was forged or whose key is not trusted', async () => {
    const checkpoint = await auditor.createCheckpoint();
    const exported = await auditor.exportCheckpoints(checkpoint.id);
    const forged = exported.checkpoints.map((c) => ({ ...c, eventCount: c.eventCount + 1 }));
    expect((await auditor.verifyCheckpoints(forged)).checkpoints[0]).toMatchObject({
      signature: 'invalid',
      ok: false,
    });

    const stranger = await openAuditor({ pool: db.pool, schema: db.schema, aggregates: {} });
    expect((await stranger.verifyCheckpoints(exported.checkpoints)).checkpoints[0]).toMatchObject({
      signature: 'unknown-key',
      log: 'unchanged',
      ok: false,
    });
  });
});
