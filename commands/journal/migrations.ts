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

export const commandJournalMigrations = (schema: string): MigrationSet => ({
  name: 'command_journal',
  schema,
  migrations: {
    '2026-11-23T1000-command-results': commandResults(schema),
    '2026-11-23T1030-relay-checkpoints': relayCheckpoints(schema),
    '2026-11-23T1040-timers': timers(schema),
    '2026-11-23T1050-saga-checkpoints': sagaCheckpoints(schema),
    '2026-11-23T1100-timers-cancelled': timersCancelled(schema),
  },
});
