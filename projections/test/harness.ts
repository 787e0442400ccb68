import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { Expected } from '../../infra/event-store/port.ts';
import type { LogPosition } from '../../infra/event-store/port.ts';
import { openPostgresEventStore } from '../../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import { createKysely } from '../../infra/postgres/database.ts';
import { createTestSchema } from '../../infra/postgres/test-database.ts';
import { migrateReadModels } from '../read-models/install.ts';
import { projectionSchemas } from '../read-models/projections.ts';
import type { ProjectionName } from '../read-models/projections.ts';
import { readProjectionStatus } from '../read-models/status.ts';
import type { ProjectionStatus } from '../read-models/status.ts';
import { versionTables } from '../read-models/tables.ts';
import type { GeneratedEvent } from './history.ts';

/** A test's own schema holding both the log and the read models. */
export type Harness = Readonly<{
  pool: pg.Pool;
  schema: string;
  store: PostgresEventStore;
  db: Kysely<unknown>;
  /** Appends in order; consecutive events of one stream go in one append. Returns the last position. */
  append: (events: readonly GeneratedEvent[]) => Promise<LogPosition>;
  status: () => Promise<readonly ProjectionStatus[]>;
  drop: () => Promise<void>;
}>;

export const openHarness = async (prefix: string, poolSize = 10): Promise<Harness> => {
  const test = await createTestSchema(prefix, poolSize);
  const store = await openPostgresEventStore({ pool: test.pool, schema: test.schema });
  await migrateReadModels(test.pool, test.schema);
  const db = createKysely<unknown>(test.pool);
  return {
    pool: test.pool,
    schema: test.schema,
    store,
    db,
    append: async (events) => {
      let last: LogPosition = { commit: 0, prepare: 0 };
      for (let i = 0; i < events.length;) {
        const streamId = events[i]?.streamId;
        let j = i;
        while (j < events.length && events[j]?.streamId === streamId) j++;
        const chunk = events.slice(i, j);
        const outcome = await store.append(
          streamId ?? '',
          chunk.map((e) => ({ type: e.event.type, data: e.event.data })),
          { expectedRevision: Expected.any },
        );
        if (!outcome.ok) throw new Error(`append to ${String(streamId)} conflicted`);
        last = outcome.position;
        i = j;
      }
      return last;
    },
    status: () => readProjectionStatus(db, { readModelSchema: test.schema, eventStoreSchema: test.schema }),
    drop: test.drop,
  };
};

/** Waits until every active projection has applied the whole log or is halted. */
export const waitForProjections = async (
  h: Harness,
  timeoutMs = 30_000,
): Promise<readonly ProjectionStatus[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await h.status()).filter((s) => s.active);
    if (status.every((s) => s.state === 'halted' || s.lagEvents === 0)) return status;
    if (Date.now() > deadline) throw new Error(`projections still behind: ${JSON.stringify(status)}`);
    await sleep(20);
  }
};

const KEYS: Readonly<Record<string, string>> = {
  listings: 'listing_id',
  inventory_levels: 'sku',
  orders: 'order_id',
  order_lines: 'order_id, line_no',
  order_timeline: 'order_id, revision',
  seller_sales: 'seller_id, currency',
  seller_balances: 'seller_id, currency',
};

/** Every stable view's rows, in key order, as JSON: what readers see. */
export const dumpViews = async (h: Harness): Promise<Record<string, unknown[]>> => {
  const out: Record<string, unknown[]> = {};
  for (const [view, keys] of Object.entries(KEYS)) {
    const { rows } = await sql<{ row: unknown }>`
      select to_jsonb(x) as row from ${sql.table(`${h.schema}.${view}`)} x order by ${sql.raw(keys)}`.execute(
      h.db,
    );
    out[view] = rows.map((r) => r.row);
  }
  return out;
};

/** The physical tables of one version of a projection, in primary-key order. */
export const dumpVersion = async (
  h: Harness,
  name: ProjectionName,
  version: number,
): Promise<Record<string, unknown[]>> => {
  const t = versionTables(h.schema, name, version);
  const out: Record<string, unknown[]> = {};
  for (const table of projectionSchemas[name].tables) {
    const { rows } = await sql<{ row: unknown }>`
      select to_jsonb(x) as row from ${t.table(table)} x order by to_jsonb(x)::text`.execute(h.db);
    out[table] = rows.map((r) => r.row);
  }
  return out;
};
