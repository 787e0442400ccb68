import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The group append of 2026-11-23T1400, taking columns instead of one jsonb
 * document. Parsing a whole group (160 events of 10-event appends) into one
 * jsonb tree allocated about a megabyte per call, which the backend handed
 * back to the kernel and faulted in again on the next call: a third of its
 * time went to page faults, and Postgres spent 65–70 µs per appended event
 * under the append-batch benchmark against 25–30 µs for the same calls made
 * back to back. Here each column is an array, data and metadata are two JSON
 * arrays read row by row into the insert, and the content digests are one
 * byte string, 32 bytes per event: nothing but the rows is ever built.
 *
 * Arguments: per append (`p_streams`, `p_kinds`, `p_revisions`, `p_counts`,
 * `p_recorded_at`), then per event in append order (`p_event_ids`,
 * `p_types`, `p_schema_versions`, `p_digests`, `p_data`, `p_metadata`). The
 * result is that of `append_events_batch`, one row per append. A group
 * holding a stored event id goes, as there, through `append_events_group`,
 * which tells a retry from an overlap. Frozen in time.
 */
export const appendArraysMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`
      alter table ${s}.events
        alter column data type json using data::json,
        alter column metadata type json using metadata::json`.execute(db);
    await sql`
      create function ${s}.append_events_arrays(
        p_streams text[], p_kinds text[], p_revisions bigint[], p_counts int[], p_recorded_at timestamptz[],
        p_event_ids uuid[], p_types text[], p_schema_versions smallint[], p_digests bytea,
        p_data json, p_metadata json)
      returns table (o_index int, o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
      language plpgsql
      -- As in append_events_batch: planned once per session, never as a sequential scan, never compiled.
      set plan_cache_mode = force_generic_plan
      set enable_seqscan = off
      set jit = off
      as $fn$
      declare
        v_n int := coalesce(cardinality(p_streams), 0);
        v_events int := coalesce(cardinality(p_event_ids), 0);
        v_head_streams text[];
        v_head_revisions bigint[];
        v_head_hashes bytea[];
        v_head_xids xid8[];
        v_h int;
        v_xid xid8;
        v_current bigint;
        v_prev bytea;
        v_k int := 0;
        v_inserted int := 0;
        v_outcomes text[];
        v_currents bigint[];
        v_firsts bigint[];
        -- Per append: how many events of the group are inserted up to and including its own.
        v_inserted_through int[];
        -- Per event: its append, and its revision and chain value (null when its append is not accepted).
        v_append_of int[];
        v_revisions bigint[];
        v_hashes bytea[];
        v_positions bigint[];
      begin
        if v_n = 0 then
          return;
        end if;
        if cardinality(p_kinds) <> v_n or cardinality(p_revisions) <> v_n or cardinality(p_counts) <> v_n
           or cardinality(p_recorded_at) <> v_n or cardinality(p_types) <> v_events
           or cardinality(p_schema_versions) <> v_events or length(p_digests) <> 32 * v_events
           or json_array_length(p_data) <> v_events or json_array_length(p_metadata) <> v_events
           or (select sum(c) from unnest(p_counts) as c) <> v_events
           or exists (select from unnest(p_counts) as c where c is null or c < 1) then
          raise exception 'append_events_arrays: the argument arrays do not line up' using errcode = 'invalid_parameter_value';
        end if;

        if exists (select from ${s}.events e where e.event_id = any(p_event_ids)) then
          -- A retried append is in the group: the older path, which tells a retry from an overlap.
          return query select * from ${s}.append_events_group((
            with ev as (
              select x.k, x.d, x.m from rows from (json_array_elements(p_data), json_array_elements(p_metadata))
                with ordinality as x(d, m, k)
            ), bounds as (
              select a.ord, coalesce(sum(p_counts[a.ord]) over (order by a.ord rows between unbounded preceding and 1 preceding), 0) as before
                from generate_subscripts(p_streams, 1) as a(ord)
            )
            select jsonb_agg(jsonb_build_object(
                     'streamId', p_streams[b.ord], 'kind', p_kinds[b.ord], 'revision', p_revisions[b.ord],
                     'recordedAt', p_recorded_at[b.ord],
                     'events', (select jsonb_agg(jsonb_build_object(
                                  'eventId', p_event_ids[ev.k], 'type', p_types[ev.k], 'data', ev.d::jsonb,
                                  'metadata', ev.m::jsonb, 'schemaVersion', p_schema_versions[ev.k],
                                  'digest', encode(substring(p_digests from (ev.k::int - 1) * 32 + 1 for 32), 'hex'))
                                  order by ev.k)
                                  from ev where ev.k > b.before and ev.k <= b.before + p_counts[b.ord]))
                   order by b.ord)
              from bounds b));
          return;
        end if;

        select array_agg(d.id), array_agg(h.stream_revision), array_agg(h.hash), array_agg(h.transaction_id)
          into v_head_streams, v_head_revisions, v_head_hashes, v_head_xids
          from (select distinct unnest(p_streams)) as d(id)
          left join lateral (
            select e.stream_revision, e.hash, e.transaction_id
              from ${s}.events e
             where e.stream_id = d.id
             order by e.stream_revision desc
             limit 1) as h on true;

        v_xid := pg_current_xact_id();
        v_outcomes := array_fill(null::text, array[v_n]);
        v_currents := array_fill(null::bigint, array[v_n]);
        v_firsts := array_fill(null::bigint, array[v_n]);
        v_inserted_through := array_fill(null::int, array[v_n]);
        v_append_of := array_fill(null::int, array[v_events]);
        v_revisions := array_fill(null::bigint, array[v_events]);
        v_hashes := array_fill(null::bytea, array[v_events]);
        for i in 1 .. v_n loop
          v_h := array_position(v_head_streams, p_streams[i]);
          v_current := coalesce(v_head_revisions[v_h], -1);
          v_prev := coalesce(v_head_hashes[v_h], decode(repeat('00', 32), 'hex'));
          if v_head_xids[v_h] > v_xid then
            -- As in append_events_batch: the head was committed by a later transaction id. The caller retries.
            raise exception 'stream % was appended to by a later transaction meanwhile', p_streams[i]
              using errcode = 'serialization_failure';
          end if;
          v_currents[i] := v_current;
          if (p_kinds[i] = 'noStream' and v_current <> -1)
             or (p_kinds[i] = 'streamExists' and v_current = -1)
             or (p_kinds[i] = 'exact' and v_current <> p_revisions[i]) then
            v_outcomes[i] := 'conflict';
            for j in 1 .. p_counts[i] loop
              v_k := v_k + 1;
              v_append_of[v_k] := i;
            end loop;
            continue;
          end if;
          v_outcomes[i] := 'ok';
          v_firsts[i] := v_current + 1;
          for j in 1 .. p_counts[i] loop
            v_k := v_k + 1;
            v_append_of[v_k] := i;
            v_prev := sha256(v_prev || int8send(v_current + j) || substring(p_digests from (v_k - 1) * 32 + 1 for 32));
            v_revisions[v_k] := v_current + j;
            v_hashes[v_k] := v_prev;
          end loop;
          v_inserted := v_inserted + p_counts[i];
          v_inserted_through[i] := v_inserted;
          v_head_revisions[v_h] := v_current + p_counts[i];
          v_head_hashes[v_h] := v_prev;
          v_head_xids[v_h] := null;
        end loop;

        with inserted as (
          insert into ${s}.events
            (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
          select p_streams[v_append_of[x.k]], v_revisions[x.k], p_event_ids[x.k], p_types[x.k], x.d,
                 x.m, p_schema_versions[x.k], p_recorded_at[v_append_of[x.k]], v_hashes[x.k]
            from rows from (json_array_elements(p_data), json_array_elements(p_metadata)) with ordinality as x(d, m, k)
           where v_revisions[x.k] is not null
           order by x.k
          returning position
        )
        -- Positions are drawn as the sorted rows are inserted: the k-th smallest is the k-th event.
        select array_agg(inserted.position order by inserted.position) into v_positions from inserted;

        return query
          select (a.ord - 1)::int, v_outcomes[a.ord], v_currents[a.ord], v_firsts[a.ord],
                 v_firsts[a.ord] + p_counts[a.ord] - 1,
                 case when v_outcomes[a.ord] = 'ok' then v_xid::text::bigint end,
                 v_positions[v_inserted_through[a.ord]]
            from generate_subscripts(p_streams, 1) as a(ord);
      end
      $fn$`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop function ${sql.id(schema)}.append_events_arrays`.execute(db);
    await sql`
      alter table ${sql.id(schema)}.events
        alter column data type jsonb using data::jsonb,
        alter column metadata type jsonb using metadata::jsonb`.execute(db);
  },
});
