create or replace function exp.append_events_batch(p_appends jsonb)
returns table (o_index int, o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
language plpgsql
set jit = off
as $fn$
declare
  v_streams text[];
  v_kinds text[];
  v_revisions bigint[];
  v_counts int[];
  v_ids uuid[];
  v_head_streams text[];
  v_head_revisions bigint[];
  v_head_hashes bytea[];
  v_head_xids xid8[];
  v_xid xid8;
  v_n int;
  v_h int;
  v_current bigint;
  v_prev bytea;
  v_outcomes text[];
  v_currents bigint[];
  v_firsts bigint[];
  v_hashes bytea[] := '{}';
  v_hash_starts int[];
  v_events jsonb;
begin
  select array_agg(a.v->>'streamId' order by a.ord), array_agg(a.v->>'kind' order by a.ord),
         array_agg((a.v->>'revision')::bigint order by a.ord), array_agg(jsonb_array_length(a.v->'events') order by a.ord)
    into v_streams, v_kinds, v_revisions, v_counts
    from jsonb_array_elements(p_appends) with ordinality as a(v, ord);
  v_n := cardinality(v_streams);

  v_ids := array(select (e.ev->>'eventId')::uuid
                   from jsonb_array_elements(p_appends) as a(v)
                  cross join lateral jsonb_array_elements(a.v->'events') as e(ev));
  if exists (select from exp.events e where e.event_id = any(v_ids)) then
    return query select * from exp.append_events_group(p_appends);
    return;
  end if;

  select array_agg(s.id), array_agg(h.stream_revision), array_agg(h.hash), array_agg(h.transaction_id)
    into v_head_streams, v_head_revisions, v_head_hashes, v_head_xids
    from (select distinct unnest(v_streams)) as s(id)
    left join lateral (
      select e.stream_revision, e.hash, e.transaction_id from exp.events e
       where e.stream_id = s.id order by e.stream_revision desc limit 1) as h on true;

  v_xid := pg_current_xact_id();
  v_outcomes := array_fill(null::text, array[v_n]);
  v_currents := array_fill(null::bigint, array[v_n]);
  v_firsts := array_fill(null::bigint, array[v_n]);
  v_hash_starts := array_fill(null::int, array[v_n]);
  for i in 1 .. v_n loop
    v_h := array_position(v_head_streams, v_streams[i]);
    v_current := coalesce(v_head_revisions[v_h], -1);
    v_prev := coalesce(v_head_hashes[v_h], '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    if v_head_xids[v_h] > v_xid then
      raise exception 'stream % was appended to by a later transaction meanwhile', v_streams[i]
        using errcode = 'serialization_failure';
    end if;
    v_currents[i] := v_current;
    if (v_kinds[i] = 'noStream' and v_current <> -1)
       or (v_kinds[i] = 'streamExists' and v_current = -1)
       or (v_kinds[i] = 'exact' and v_current <> v_revisions[i]) then
      v_outcomes[i] := 'conflict';
      continue;
    end if;
    v_outcomes[i] := 'ok';
    v_firsts[i] := v_current + 1;
    v_hash_starts[i] := cardinality(v_hashes) + 1;
    v_events := p_appends->(i - 1)->'events';
    for j in 1 .. v_counts[i] loop
      v_prev := sha256(v_prev || int8send(v_current + j) || decode(v_events->(j - 1)->>'digest', 'hex'));
      v_hashes := v_hashes || v_prev;
    end loop;
    -- A later append to the same stream in this group continues from here.
    v_head_revisions[v_h] := v_current + v_counts[i];
    v_head_hashes[v_h] := v_prev;
    v_head_xids[v_h] := null;
  end loop;

  return query
    with inserted as (
      insert into exp.events
        (stream_id, stream_revision, event_id, event_type, data, metadata, schema_version, recorded_at, hash)
      select a.v->>'streamId', v_firsts[a.ord] + e.ord - 1, (e.ev->>'eventId')::uuid, e.ev->>'type', e.ev->'data',
             e.ev->'metadata', (e.ev->>'schemaVersion')::smallint, (a.v->>'recordedAt')::timestamptz,
             v_hashes[v_hash_starts[a.ord] + e.ord - 1]
        from jsonb_array_elements(p_appends) with ordinality as a(v, ord)
       cross join lateral jsonb_array_elements(a.v->'events') with ordinality as e(ev, ord)
       where v_outcomes[a.ord] = 'ok'
       order by a.ord, e.ord
      returning position, stream_id, stream_revision
    )
    select (x.ord - 1)::int, v_outcomes[x.ord], v_currents[x.ord], v_firsts[x.ord],
           v_firsts[x.ord] + v_counts[x.ord] - 1,
           case when v_outcomes[x.ord] = 'ok' then v_xid::text::bigint end,
           i.position
      from generate_subscripts(v_streams, 1) as x(ord)
      left join inserted i
        on v_outcomes[x.ord] = 'ok' and i.stream_id = v_streams[x.ord]
       and i.stream_revision = v_firsts[x.ord] + v_counts[x.ord] - 1
     order by x.ord;
end
$fn$;
