import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { comparePositions, formatPosition } from '../event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../event-store/port.ts';
import { createKysely } from '../postgres/database.ts';
import type { LogReader } from './log-reader.ts';

/**
 * A projection as the replay check needs it, provided by the caller (the
 * projections' own definitions, adapted in read-api/audit/replay-targets.ts),
 * so infra does not depend on projections/.
 */
export type ReplayTarget = Readonly<{
  name: string;
  /** Logical table names, e.g. `listings`. */
  tables: readonly string[];
  handles: ReadonlySet<string>;
  /** Creates the projection's tables (version 1) in `schema`. */
  createTables: (db: Kysely<unknown>, schema: string) => Promise<void>;
  /** Applies handled events, in log order, to the tables in `schema`. */
  apply: (db: Kysely<unknown>, schema: string, events: readonly RecordedEvent[]) => Promise<void>;
  /** Physical name of a table of `version` (`<name>_v<version>_<table>`). */
  tableName: (version: number, table: string) => string;
  /** The live (active) version and its checkpoint; locks its status row when `lock` is set. */
  live: (
    db: Kysely<unknown>,
    lock: boolean,
  ) => Promise<Readonly<{ version: number; checkpoint: LogPosition }> | null>;
}>;

export type TableDiff = Readonly<{
  table: string;
  liveRows: number;
  replayRows: number;
  /** Rows only the live read model has (or has with other values). */
  liveOnly: number;
  /** Rows only the replay produced (or produced with other values). */
  replayOnly: number;
  samples: readonly Readonly<{ side: 'live-only' | 'replay-only'; row: unknown }>[];
}>;

export type ReplayReport = Readonly<{
  projection: string;
  liveVersion: number;
  /** The live checkpoint the replay was compared at. */
  checkpoint: string;
  eventsReplayed: number;
  replayError: Readonly<{ eventId: string; position: string; type: string; message: string }> | null;
  tables: readonly TableDiff[];
  ok: boolean;
}>;

const SAMPLES = 20;

const count = async (db: Kysely<unknown>, query: ReturnType<typeof sql>): Promise<number> => {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from (${query}) x`.execute(db);
  return Number(rows[0]?.n ?? 0);
};

const diffTable = async (
  db: Kysely<unknown>,
  table: string,
  live: ReturnType<typeof sql.table>,
  replay: ReturnType<typeof sql.table>,
): Promise<TableDiff> => {
  const liveOnly = sql`select * from ${live} except all select * from ${replay}`;
  const replayOnly = sql`select * from ${replay} except all select * from ${live}`;
  const sample = async (side: 'live-only' | 'replay-only', query: ReturnType<typeof sql>) => {
    const { rows } = await sql<{
      row: unknown;
    }>`select to_jsonb(x) as row from (${query}) x limit ${SAMPLES}`.execute(db);
    return rows.map((r) => ({ side, row: r.row }));
  };
  return {
    table,
    liveRows: await count(db, sql`select 1 from ${live}`),
    replayRows: await count(db, sql`select 1 from ${replay}`),
    liveOnly: await count(db, liveOnly),
    replayOnly: await count(db, replayOnly),
    samples: [...(await sample('live-only', liveOnly)), ...(await sample('replay-only', replayOnly))],
  };
};

/**
 * Rebuilds one projection from the log into scratch tables (a schema of its
 * own, dropped afterwards) and compares them row by row with the live read
 * model. The replay first runs up to the live checkpoint without holding
 * anything; then, with the live status row locked (its worker waits, as for
 * a rebuild's switch), it catches up to the exact live checkpoint and
 * compares, so both sides stand at the same position of the log. That last
 * transaction also holds back the log readers' horizon while it compares:
 * seconds for read models of millions of rows (docs/audit.md).
 */
export const replayCheck = async (
  pool: pg.Pool,
  readModelSchema: string,
  target: ReplayTarget,
  reader: LogReader,
  batchSize = 5000,
): Promise<ReplayReport> => {
  const db = createKysely<unknown>(pool);
  const scratch = `${readModelSchema}_replay_${randomBytes(4).toString('hex')}`;
  const first = await target.live(db, false);
  if (first === null) throw new Error(`projection ${target.name} has no active version`);
  let eventsReplayed = 0;
  let replayError: ReplayReport['replayError'] = null;

  const replay = async (conn: Kysely<unknown>, after: LogPosition | null, to: LogPosition): Promise<void> => {
    const range =
      after === null ? { to } : { from: { commit: after.commit, prepare: after.prepare + 1 }, to };
    for await (const batch of reader.byPosition(range, batchSize)) {
      const handled = batch.filter((event) => target.handles.has(event.type));
      if (handled.length === 0) continue;
      try {
        await target.apply(conn, scratch, handled);
      } catch (error) {
        // The batch's first handled event names where the replay stopped; the message says what failed.
        const culprit = handled[0] as RecordedEvent;
        replayError = {
          eventId: culprit.eventId,
          position: formatPosition(culprit.position),
          type: culprit.type,
          message: error instanceof Error ? error.message : String(error),
        };
        return;
      }
      eventsReplayed += handled.length;
    }
  };

  await sql`create schema ${sql.id(scratch)}`.execute(db);
  try {
    await target.createTables(db, scratch);
    // No transaction: a long one with writes would hold back every log reader's horizon.
    await replay(db, null, first.checkpoint);
    return await db.transaction().execute(async (trx) => {
      const live = await target.live(trx, true);
      if (live === null) throw new Error(`projection ${target.name} has no active version`);
      if (replayError === null && comparePositions(live.checkpoint, first.checkpoint) > 0) {
        await replay(trx, first.checkpoint, live.checkpoint);
      }
      const tables: TableDiff[] = [];
      for (const table of target.tables) {
        tables.push(
          await diffTable(
            trx,
            table,
            sql.table(`${readModelSchema}.${target.tableName(live.version, table)}`),
            sql.table(`${scratch}.${target.tableName(1, table)}`),
          ),
        );
      }
      return {
        projection: target.name,
        liveVersion: live.version,
        checkpoint: formatPosition(live.checkpoint),
        eventsReplayed,
        replayError,
        tables,
        ok: replayError === null && tables.every((t) => t.liveOnly === 0 && t.replayOnly === 0),
      };
    });
  } finally {
    await sql`drop schema if exists ${sql.id(scratch)} cascade`.execute(db);
  }
};
