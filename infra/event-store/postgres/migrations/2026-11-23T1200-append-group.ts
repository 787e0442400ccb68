import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Group commit: several appends, each to its own stream with its own
 * expectation, in one call and so one transaction. Each is `append_events`
 * as it is, in order, so two appends to one stream in a group chain like two
 * appends one after the other; every append gets its own outcome row, tagged
 * with its index in the group. Frozen in time.
 */
export const appendGroupMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    await sql`
      create function ${s}.append_events_group(p_appends jsonb)
      returns table (o_index int, o_outcome text, o_current bigint, o_first bigint, o_last bigint, o_commit bigint, o_position bigint)
      language plpgsql as $fn$
      declare
        v_append jsonb;
        v_index int := 0;
      begin
        for v_append in select value from jsonb_array_elements(p_appends) loop
          return query
            select v_index, r.*
              from ${s}.append_events(
                v_append->>'streamId',
                v_append->>'kind',
                (v_append->>'revision')::bigint,
                (v_append->>'recordedAt')::timestamptz,
                v_append->'events') as r;
          v_index := v_index + 1;
        end loop;
      end
      $fn$`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop function ${sql.id(schema)}.append_events_group`.execute(db);
  },
});
