import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `append_events` looked its event ids up by joining the events array with
 * the log. Planned while the log was small (a fresh store, or plpgsql's
 * cached plan), that join became a hash join over a sequential scan of the
 * whole log, kept for the session: every append then read every event
 * (1.5 ms per append at 5,000 events, growing with the log). The ids are now
 * collected first and looked up with `= any(array)`, which the unique index
 * on event_id serves whatever the estimates. It also tells the planner it
 * returns one row (not the default 1,000), so a query calling it per element
 * of an array (the group commit) is not costed as millions of rows and sent
 * to the JIT compiler (a second per call).
 *
 * And it refuses (serialization_failure, 40001) to append after an event
 * committed by a transaction whose id is greater than its own. One append
 * per transaction never meets that: it takes its id after reading the
 * stream. A transaction appending to several streams (group commit) does:
 * it took its id at its first append, and under read committed a later one
 * sees commits made since. Without the check the log, ordered by
 * transaction id, would put that event before the event it follows.
 * Same signature, same outcomes otherwise. Frozen in time.
 */
export const appendByEventIdIndexMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`
      create or replace function ${s}.append_events(
        p_stream_id text,
        p_expected_kind text,
        p_expected_revision bigint,
        p_recorded_at timestamptz,
        p_events jsonb
      ) returns table (o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
      language plpgsql rows 1 as $fn$
      declare
        v_count int := jsonb_array_length(p_events);
        v_ids uuid[] := array(select (x.ev->>'eventId')::uuid from jsonb_array_elements(p_events) as x(ev));
        v_current bigint;
        v_head_xid xid8;
        v_prev bytea;
        v_hashes bytea[] := '{}';
        v_found int;
        v_in_stream int;
        v_first bigint;
      begin
        -- A retried append: its event ids are already stored.
        select count(*)::int, min(e.stream_revision) filter (where e.stream_id = p_stream_id)
          into v_found, v_first
          from ${s}.events e
         where e.event_id = any(v_ids);

        if v_found > 0 then
          -- array_position is 1-based: the i-th event of the batch at revision first + i - 1.
          select count(*)::int into v_in_stream
            from ${s}.events e
           where e.event_id = any(v_ids)
             and e.stream_id = p_stream_id
             and e.stream_revision = v_first + array_position(v_ids, e.event_id) - 1;
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

        select e.stream_revision, e.hash, e.transaction_id into v_current, v_prev, v_head_xid
          from ${s}.events e
         where e.stream_id = p_stream_id
         order by e.stream_revision desc
         limit 1;
        if not found then
          v_current := -1;
          v_prev := decode(repeat('00', 32), 'hex');
        elsif v_head_xid > pg_current_xact_id() then
          -- The stream's last event was committed by a transaction that took its id after this one:
          -- the log, ordered by transaction id, would put this event before the one it follows.
          -- Only a transaction appending to several streams can get here (a group); it retries.
          raise exception 'stream % was appended to by a later transaction meanwhile', p_stream_id
            using errcode = 'serialization_failure';
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
  // Back to the frozen 2026-11-23T0900 body would need its text here; the new body is compatible.
  down: () => Promise.resolve(),
});
