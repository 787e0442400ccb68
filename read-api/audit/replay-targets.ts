import { sql } from 'kysely';
import { projectionByName } from '../../projections/all.ts';
import { isProjectionName, projectionNames } from '../../projections/read-models/projections.ts';
import { versionTables } from '../../projections/read-models/tables.ts';
import { toSafeInteger } from '../../infra/postgres/database.ts';
import { AuditError } from '../../infra/audit/errors.ts';
import type { ReplayTarget } from '../../infra/audit/replay-check.ts';

/** The projections the replay check knows: every one the projections role runs. */
export const replayTargetNames = (): readonly string[] => projectionNames;

/**
 * Adapts a projection's own definition (projections/) to what the replay
 * check needs: create its tables in a scratch schema, apply events there,
 * and find the live version in the read-model schema.
 */
export const replayTarget = (readModelSchema: string, name: string): ReplayTarget => {
  if (!isProjectionName(name)) {
    throw new AuditError(
      'UNKNOWN_PROJECTION',
      `no projection "${name}" (known: ${projectionNames.join(', ')})`,
    );
  }
  const projection = projectionByName(name);
  return {
    name,
    tables: projection.schema.tables,
    handles: projection.handles,
    createTables: (db, schema) => projection.schema.createTables(db, versionTables(schema, name, 1)),
    apply: (db, schema, events) => projection.apply(db, versionTables(schema, name, 1), events),
    tableName: (version, table) => versionTables(readModelSchema, name, version).name(table),
    live: async (db, lock) => {
      const { rows } = await sql<{ version: number; commit: string; prepare: string }>`
        select version, checkpoint_commit::text as commit, checkpoint_prepare::text as prepare
          from ${sql.table(`${readModelSchema}.projection_status`)}
         where name = ${name} and active
         ${lock ? sql`for update` : sql``}`.execute(db);
      const row = rows[0];
      return row === undefined
        ? null
        : {
            version: row.version,
            checkpoint: {
              commit: toSafeInteger(row.commit, 'checkpoint'),
              prepare: toSafeInteger(row.prepare, 'checkpoint'),
            },
          };
    },
  };
};
