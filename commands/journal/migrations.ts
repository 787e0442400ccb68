import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { MigrationSet } from '../../infra/postgres/migrate.ts';

/**
 * The command journal: the first answer to every command id, so a repeat gets
 * the same answer and writes nothing, even after a restart. Frozen in time.
 */
const commandResults = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create table ${sql.id(schema)}.command_results (
        command_id  text primary key,
        fingerprint text not null,
        stream_id   text not null,
        reply       jsonb not null,
        recorded_at timestamptz not null default now()
      )`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.command_results`.execute(db);
  },
});

/** Where the JetStream relay has published up to. */
const relayCheckpoints = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create table ${sql.id(schema)}.relay_checkpoints (
        name    text primary key,
        commit  bigint not null,
        prepare bigint not null
      )`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.relay_checkpoints`.execute(db);
  },
});

/** Durable timers: a command to send at a time, stored so a restart loses no deadline. */
const timers = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create table ${sql.id(schema)}.timers (
        timer_id     text primary key,
        due_at       timestamptz not null,
        command_name text not null,
        command      jsonb not null,
        created_at   timestamptz not null default now(),
        fired_at     timestamptz,
        attempts     integer not null default 0,
        last_error   text
      )`.execute(db);
    await sql`create index timers_due_idx on ${sql.id(schema)}.timers (due_at) where fired_at is null`.execute(
      db,
    );
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.timers`.execute(db);
  },
});

/** Where each process manager has reacted up to in the log. */
const sagaCheckpoints = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create table ${sql.id(schema)}.saga_checkpoints (
        name       text primary key,
        commit     bigint not null,
        prepare    bigint not null,
        updated_at timestamptz not null default now()
      )`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.saga_checkpoints`.execute(db);
  },
});

/**
 * A cancelled timer stays (marked) instead of being deleted, so a saga that
 * replays the event which scheduled it cannot bring it back.
 */
const timersCancelled = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`alter table ${sql.id(schema)}.timers add column cancelled_at timestamptz`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`alter table ${sql.id(schema)}.timers drop column cancelled_at`.execute(db);
  },
});

/**
 * What lets a handler write a stream's next group while the previous group's
 * write is still in flight (pipelining). Every batch statement calls it before
 * appending: it takes a transaction-scoped advisory lock per stream it appends
 * to (in the order given, sorted by the caller, so two batches never wait on
 * each other in a cycle), so a write queued behind another one for the same
 * stream waits in Postgres for it to commit or roll back. Then, with a fresh
 * snapshot (a volatile function's statements see what committed while it
 * waited), it checks that each pipelined stream's event at the revision the
 * group was decided on is the very event the write ahead appended: a matching
 * revision alone could be another writer's event. `p_events` is the
 * event store's qualified events table. Frozen in time.
 */
const streamChain = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create function ${sql.id(schema)}.command_stream_chain(
        p_events text, p_locks text[], p_streams text[], p_revisions bigint[], p_heads uuid[]
      ) returns boolean
      language plpgsql volatile as $fn$
      declare
        v_stream text;
        v_head uuid;
      begin
        foreach v_stream in array p_locks loop
          perform pg_advisory_xact_lock(hashtextextended(p_events || '/' || v_stream, 0));
        end loop;
        for i in 1 .. coalesce(array_length(p_streams, 1), 0) loop
          execute format('select event_id from %s where stream_id = $1 and stream_revision = $2', p_events)
            into v_head using p_streams[i], p_revisions[i];
          if v_head is distinct from p_heads[i] then
            return false;
          end if;
        end loop;
        return true;
      end
      $fn$`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop function ${sql.id(schema)}.command_stream_chain`.execute(db);
  },
});

/**
 * Replies as `json`, the text Node printed: a batch parsed every reply into
 * jsonb to set its position, and stored it as jsonb (about a tenth of the
 * Postgres time of a command). The position now goes into the text of a
 * reply with events (it carries `"position":null`, which a JSON string cannot
 * contain unescaped). Rewrites the table once. Going down fails if a reply
 * holds a `\u0000` escape, which json keeps and jsonb refuses. Frozen in time.
 */
const commandResultsJson = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`alter table ${sql.id(schema)}.command_results alter column reply type json using reply::json`.execute(
      db,
    );
  },
  down: async (db: Kysely<unknown>) => {
    await sql`alter table ${sql.id(schema)}.command_results alter column reply type jsonb using reply::jsonb`.execute(
      db,
    );
  },
});

export const commandJournalMigrations = (schema: string): MigrationSet => ({
  name: 'command_journal',
  schema,
  migrations: {
    '2026-11-23T1000-command-results': commandResults(schema),
    '2026-11-23T1030-relay-checkpoints': relayCheckpoints(schema),
    '2026-11-23T1040-timers': timers(schema),
    '2026-11-23T1050-saga-checkpoints': sagaCheckpoints(schema),
    '2026-11-23T1100-timers-cancelled': timersCancelled(schema),
    '2026-11-23T1400-stream-chain': streamChain(schema),
    '2026-11-23T1800-command-results-json': commandResultsJson(schema),
  },
});
