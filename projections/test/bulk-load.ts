import { v7 as uuidv7 } from 'uuid';
import type pg from 'pg';
import { chainHash, contentDigest, GENESIS_HASH } from '../../infra/event-store/canonical.ts';
import { EMPTY_METADATA } from '../../infra/event-store/port.ts';
import type { JsonValue } from '../../infra/event-store/port.ts';
import type { GeneratedEvent } from './history.ts';

/**
 * Writes a generated history into the log the way `append_events` does (same
 * rows, same hash chain, one transaction per call so one transaction id),
 * but thousands of events per statement: for seeding large logs in tests and
 * benchmarks, where appending event by event would take longer than what is
 * measured. Streams must be new or have been written by this loader only
 * (`state` carries their last revision and hash between calls).
 */
export type LoaderState = Map<string, Readonly<{ revision: number; hash: Buffer }>>;

export const bulkLoad = async (
  pool: pg.Pool,
  schema: string,
  events: readonly GeneratedEvent[],
  state: LoaderState = new Map(),
  recordedAt: string = new Date().toISOString(),
): Promise<void> => {
  if (events.length === 0) return;
  const rows = events.map(({ streamId, event }) => {
    const previous = state.get(streamId) ?? { revision: -1, hash: GENESIS_HASH };
    const revision = previous.revision + 1;
    const eventId = uuidv7();
    const data = event.data as unknown as JsonValue;
    const digest = contentDigest({
      eventId,
      streamId,
      type: event.type,
      data,
      metadata: EMPTY_METADATA,
      schemaVersion: 1,
      recordedAt,
    });
    const hash = chainHash(previous.hash, revision, digest);
    state.set(streamId, { revision, hash });
    return { s: streamId, r: revision, i: eventId, t: event.type, d: data, h: hash.toString('hex') };
  });
  await pool.query(
    `insert into "${schema}".events
       (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
     select x.s, x.r, x.i, x.t, x.d, $2::jsonb, 1, $3::timestamptz, decode(x.h, 'hex')
       from jsonb_to_recordset($1::jsonb) as x(s text, r bigint, i uuid, t text, d jsonb, h text)`,
    [JSON.stringify(rows), JSON.stringify(EMPTY_METADATA), recordedAt],
  );
};
