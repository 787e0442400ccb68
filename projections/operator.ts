import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * The explicit operator actions on a halted projection (docs/projections.md).
 * Both act on one version's status row; the worker that owns the projection
 * picks the change up on its next poll.
 */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

const status = (schema: string) => sql.table(`${schema}.projection_status`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Version = Readonly<{ version?: number }>;

const which = (name: string, options: Version) =>
  options.version === undefined
    ? sql`name = ${name} and active`
    : sql`name = ${name} and version = ${options.version}`;

/**
 * Retry: the halted projection tries the event it failed on again (after a
 * fix of the code or of the data it depends on). The checkpoint is unchanged.
 */
export const retryProjection = async (
  db: Kysely<unknown>,
  schema: string,
  name: string,
  options: Version = {},
): Promise<void> => {
  const { rows } = await sql<{ version: number }>`
    update ${status(schema)}
       set state = case when active then 'running' else state end, last_error = null, failed_event_id = null,
           failed_event_commit = null, failed_event_prepare = null, failed_event_type = null, failed_at = null,
           updated_at = now()
     where ${which(name, options)} and (state = 'halted' or failed_event_id is not null)
    returning version`.execute(db);
  if (rows.length === 0) throw new OperatorError(`${name} is not halted`);
};

/**
 * Skip: the halted projection moves its checkpoint past exactly the event it
 * failed on, which must be the one named (so a skip cannot pass an event the
 * operator has not looked at), records the skip, and runs on.
 */
export const skipEvent = async (
  db: Kysely<unknown>,
  schema: string,
  name: string,
  eventId: string,
  by: string,
  options: Version = {},
): Promise<void> => {
  if (!UUID.test(eventId)) throw new OperatorError(`${eventId} is not an event id (a uuid)`);
  await db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      version: number;
      failed_event_commit: string;
      failed_event_prepare: string;
      failed_event_type: string;
      last_error: string | null;
    }>`
      select version, failed_event_commit, failed_event_prepare, failed_event_type, last_error
        from ${status(schema)}
       where ${which(name, options)} and failed_event_id = ${eventId}::uuid
         for update`.execute(trx);
    const row = rows[0];
    if (row === undefined) throw new OperatorError(`${name} is not halted on event ${eventId}`);
    await sql`
      insert into ${sql.table(`${schema}.projection_skips`)}
        (name, version, event_id, event_commit, event_prepare, event_type, error, skipped_by)
      values (${name}, ${row.version}, ${eventId}::uuid, ${row.failed_event_commit}, ${row.failed_event_prepare},
              ${row.failed_event_type}, ${row.last_error ?? ''}, ${by})`.execute(trx);
    await sql`
      update ${status(schema)}
         set checkpoint_commit = failed_event_commit, checkpoint_prepare = failed_event_prepare,
             state = case when active then 'running' else state end, last_error = null, failed_event_id = null,
             failed_event_commit = null, failed_event_prepare = null, failed_event_type = null, failed_at = null,
             updated_at = now()
       where name = ${name} and version = ${row.version}`.execute(trx);
  });
};
