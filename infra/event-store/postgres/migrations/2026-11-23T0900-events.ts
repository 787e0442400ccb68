import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The log. Frozen in time: later changes are new migrations.
 *
 * Ordering: `position` comes from a sequence, and a sequence value becomes
 * visible at commit, not at insert, so a reader that follows `position` alone
 * skips events whose transaction commits late. The log is therefore ordered by
 * (transaction_id, position) and readers only read transactions older than the
 * oldest one still running (`pg_snapshot_xmin`): no later commit can land
 * before what they have read.
 */
export const eventsMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`
      create table ${s}.events (
        position        bigint generated always as identity,
        transaction_id  xid8 not null default pg_current_xact_id(),
        stream_id       text not null,
        category        text not null generated always as (split_part(stream_id, '-', 1)) stored,
        stream_revision bigint not null,
        event_id        uuid not null,
        event_type      text not null,
        data            jsonb not null,
        metadata        jsonb not null,
        schema_version  smallint not null,
        recorded_at     timestamptz not null,
        hash            bytea not null,
        constraint events_pkey primary key (transaction_id, position),
        constraint events_stream_revision_key unique (stream_id, stream_revision),
        constraint events_event_id_key unique (event_id),
        constraint events_revision_check check (stream_revision >= 0)
      )`.execute(db);
    await sql`create index events_category_idx on ${s}.events (category, transaction_id, position)`.execute(
      db,
    );

    // One round trip per append: check the expectation, chain the hashes and
    // insert the batch. Concurrent appends to one stream meet on the unique
    // (stream_id, stream_revision) key; the loser's caller re-runs the call and
    // then sees a conflict (or, for a retry of the same events, success).
    await sql`
      create function ${s}.append_events(
        p_stream_id text,
        p_expected_kind text,
        p_expected_revision bigint,
        p_recorded_at timestamptz,
        p_events jsonb
      ) returns table (o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
      language plpgsql as $fn$
      declare
        v_count int := jsonb_array_length(p_events);
        v_current bigint;
        v_prev bytea;
        v_hashes bytea[] := '{}';
        v_found int;
        v_in_stream int;
        v_first bigint;
      begin
        -- A retried append: its event ids are already stored.
        select count(*)::int, min(e.stream_revision) filter (where e.stream_id = p_stream_id)
          into v_found, v_first
          from jsonb_array_elements(p_events) as x(ev)
          join ${s}.events e on e.event_id = (x.ev->>'eventId')::uuid;

        if v_found > 0 then
          select count(*)::int into v_in_stream
            from jsonb_array_elements(p_events) with ordinality as x(ev, ord)
            join ${s}.events e on e.event_id = (x.ev->>'eventId')::uuid
           where e.stream_id = p_stream_id and e.stream_revision = v_first + x.ord - 1;
          -- Only the very same events at the very same place are a retry; anything else is an error.
          if v_found < v_count or v_in_stream < v_count then
            return query select 'overlap'::text, null::bigint, null::bigint, null::bigint, null::bigint, null::bigint;
            return;
          end if;
          select max(e.stream_revision) into v_current from ${s}.events e where e.stream_id = p_stream_id;
          if (p_expected_kind = 'noStream' and v_first <> 0)
             or (p_expected_kind = 'exact' and v_first <> p_expected_revision + 1) then
            return query select 'conflict'::text, v_current, null::bigint, null::bigint, null::bigint, null::bigint;
            return;
          end if;
          return query
            select 'idempotent'::text, v_current, v_first, v_first + v_count - 1,
                   e.transaction_id::text::bigint, e.position
              from ${s}.events e
             where e.stream_id = p_stream_id and e.stream_revision = v_first + v_count - 1;
          return;
        end if;

        select e.stream_revision, e.hash into v_current, v_prev
          from ${s}.events e
         where e.stream_id = p_stream_id
         order by e.stream_revision desc
         limit 1;
        if not found then
          v_current := -1;
          v_prev := decode(repeat('00', 32), 'hex');
        end if;

        if (p_expected_kind = 'noStream' and v_current <> -1)
           or (p_expected_kind = 'streamExists' and v_current = -1)
           or (p_expected_kind = 'exact' and v_current <> p_expected_revision) then
          return query select 'conflict'::text, v_current, null::bigint, null::bigint, null::bigint, null::bigint;
          return;
        end if;

        for i in 1 .. v_count loop
          v_prev := sha256(v_prev || int8send(v_current + i) || decode(p_events->(i - 1)->>'digest', 'hex'));
          v_hashes := v_hashes || v_prev;
        end loop;

        return query
          with inserted as (
            insert into ${s}.events
              (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
            select p_stream_id, v_current + x.ord, (x.ev->>'eventId')::uuid, x.ev->>'type', x.ev->'data',
                   x.ev->'metadata', (x.ev->>'schemaVersion')::smallint, p_recorded_at, v_hashes[x.ord]
              from jsonb_array_elements(p_events) with ordinality as x(ev, ord)
             order by x.ord
            returning position
          )
          select 'ok'::text, v_current, v_current + 1, v_current + v_count,
                 pg_current_xact_id()::text::bigint, max(inserted.position)
            from inserted;
      end
      $fn$`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`drop function ${s}.append_events`.execute(db);
    await sql`drop table ${s}.events`.execute(db);
  },
});
