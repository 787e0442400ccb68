import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Logger } from 'pino';
import { toSafeInteger } from '../infra/postgres/database.ts';
import { START } from '../infra/event-store/port.ts';
import type { EventStore, LogPosition, RecordedEvent } from '../infra/event-store/port.ts';
import { subscribeBatches } from '../infra/event-store/subscription.ts';

export const EVENT_SUBJECT_PREFIX = 'commerce.v1.evt';
export const EVENT_STREAM = 'COMMERCE_EVENTS';

/** `commerce.v1.evt.<category>.<EventType>`: subscribe to `commerce.v1.evt.order.>` for one category. */
export const eventSubject = (event: RecordedEvent, prefix = EVENT_SUBJECT_PREFIX): string =>
  `${prefix}.${event.streamId.slice(0, event.streamId.indexOf('-'))}.${event.type}`;

export type EventRelayOptions = Readonly<{
  nc: NatsConnection;
  store: EventStore;
  pool: pg.Pool;
  /** Schema of the relay's checkpoint table (migrated with the command journal). */
  schema: string;
  logger: Logger;
  streamName?: string;
  subjectPrefix?: string;
  /** JetStream drops a re-published message id within this window. */
  duplicateWindowMs?: number;
  batchSize?: number;
  signal?: AbortSignal;
}>;

// One relay per (schema, JetStream stream) at a time; others wait for the lock. Two-key form so
// relays of other schemas sharing the database (tests, tenants) never block each other.
const LOCK_CLASS = 0x72656c61;

/**
 * Publishes every committed event to JetStream from a checkpoint, with the
 * event id as the message id. At least once from the log (a crash between a
 * publish and its checkpoint re-publishes the batch); exactly once into
 * JetStream within its de-duplication window, which drops the repeats.
 */
export const runEventRelay = async (options: EventRelayOptions): Promise<void> => {
  const { nc, store, pool, schema, logger } = options;
  const streamName = options.streamName ?? EVENT_STREAM;
  const prefix = options.subjectPrefix ?? EVENT_SUBJECT_PREFIX;
  const table = `"${schema}".relay_checkpoints`;
  await pool.query(
    `create table if not exists ${table} (name text primary key, commit bigint not null, prepare bigint not null)`,
  );

  const jsm = await jetstreamManager(nc);
  const config = {
    name: streamName,
    subjects: [`${prefix}.>`],
    duplicate_window: nanos(options.duplicateWindowMs ?? 10 * 60_000),
  };
  try {
    await jsm.streams.info(streamName);
    await jsm.streams.update(streamName, {
      subjects: config.subjects,
      duplicate_window: config.duplicate_window,
    });
  } catch {
    await jsm.streams.add(config);
  }
  const js = jetstream(nc);

  const lock = await pool.connect();
  try {
    // Only one relay publishes; a standby takes over when the owner's connection dies.
    for (;;) {
      const { rows } = await lock.query<{ ok: boolean }>(
        'select pg_try_advisory_lock($1, hashtext($2)) as ok',
        [LOCK_CLASS, `${schema}:${streamName}`],
      );
      if (rows[0]?.ok === true) break;
      if (options.signal?.aborted === true) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { rows } = await pool.query<{ commit: string; prepare: string }>(
      `select commit, prepare from ${table} where name = $1`,
      [streamName],
    );
    const row = rows[0];
    const after: LogPosition =
      row === undefined
        ? START
        : { commit: toSafeInteger(row.commit, 'commit'), prepare: toSafeInteger(row.prepare, 'prepare') };
    logger.info({ stream: streamName, after }, 'event relay started');
    const subscription = subscribeBatches(store, {
      after,
      batchSize: options.batchSize ?? 500,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    for await (const batch of subscription) {
      await publishBatch(js, batch, prefix);
      const last = batch.at(-1);
      if (last === undefined) continue;
      await pool.query(
        `insert into ${table} (name, commit, prepare) values ($1, $2, $3)
         on conflict (name) do update set commit = excluded.commit, prepare = excluded.prepare`,
        [streamName, last.position.commit, last.position.prepare],
      );
    }
  } finally {
    await lock.query('select pg_advisory_unlock_all()').catch(() => undefined);
    lock.release();
  }
};

const publishBatch = async (
  js: JetStreamClient,
  batch: readonly RecordedEvent[],
  prefix: string,
): Promise<void> => {
  // Sent in log order on one connection, so JetStream stores them in that order; acks are awaited together.
  await Promise.all(
    batch.map((event) => {
      const h = headers();
      h.set('Commerce-Stream-Id', event.streamId);
      h.set('Commerce-Revision', String(event.revision));
      h.set('Commerce-Position', `${event.position.commit}:${event.position.prepare}`);
      if (event.metadata.correlationId !== null)
        h.set('Commerce-Correlation-Id', event.metadata.correlationId);
      return js.publish(eventSubject(event, prefix), JSON.stringify(event), {
        msgID: event.eventId,
        headers: h,
      });
    }),
  );
};
