import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Group commit: several appends, each to its own stream with its own
 * expectation, in one call and so one transaction. Each is `append_events`
 * as it is, called in array order (a lateral call per element, which sees the
 * rows the earlier calls inserted), so two appends to one stream in a group
 * chain like two appends one after the other; every append gets its own
 * outcome row, tagged with its index in the group. One statement rather
 * than a plpgsql loop of `return query`, which cost 13 times more per append.
 * Frozen in time.
 */
export const appendGroupMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`
      create function ${s}.append_events_group(p_appends jsonb)
      returns table (o_index int, o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
      language sql
      -- One call per element, in order, every time: never from a cache of earlier results (Memoize),
      -- and never worth compiling.
      set enable_memoize = off
      set jit = off
      as $fn$
        select (a.ord - 1)::int, r.*
          from jsonb_array_elements(p_appends) with ordinality as a(v, ord)
          cross join lateral ${s}.append_events(
            a.v->>'streamId',
            a.v->>'kind',
            (a.v->>'revision')::bigint,
            (a.v->>'recordedAt')::timestamptz,
            a.v->'events') as r
      $fn$`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop function ${sql.id(schema)}.append_events_group`.execute(db);
  },
});
