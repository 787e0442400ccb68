import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { VersionTables } from './read-models/tables.ts';

/**
 * Batch I/O for projections: a batch loads the rows its events touch in one
 * query, folds the events in memory, and writes the changed rows back in one
 * statement per table. Rows travel as JSON (`to_jsonb` out,
 * `jsonb_populate_recordset` in), so bigint arrives as an exact number and
 * timestamps as ISO strings, and a batch is a handful of round trips whatever
 * its size.
 */
export type Row = Record<string, unknown>;

/** Rows whose single-column key is in `keys`. */
export const loadRows = async <R extends Row>(
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  keyColumn: string,
  keys: Iterable<string>,
): Promise<R[]> => {
  const list = [...new Set(keys)];
  if (list.length === 0) return [];
  const { rows } = await sql<{ row: R }>`
    select to_jsonb(x) as row from ${table} x where ${sql.ref(`x.${keyColumn}`)} = any(${list}::text[])`.execute(
    db,
  );
  return rows.map((r) => r.row);
};

/** Rows whose two-column key is in `keys`. */
export const loadRowsByPair = async <R extends Row>(
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  keyColumns: readonly [string, string],
  keys: Iterable<readonly [string, string]>,
): Promise<R[]> => {
  const list = [...keys];
  if (list.length === 0) return [];
  const [a, b] = keyColumns;
  const { rows } = await sql<{ row: R }>`
    select to_jsonb(x) as row from ${table} x
     where (${sql.ref(`x.${a}`)}, ${sql.ref(`x.${b}`)}) in (
       select * from unnest(${list.map((k) => k[0])}::text[], ${list.map((k) => k[1])}::text[]))`.execute(db);
  return rows.map((r) => r.row);
};

/** Rows serialized for one statement: later changes to the row objects do not reach it. */
export type SerializedRows = Readonly<{ columns: readonly string[]; json: string }>;

export const serializeRows = (rows: readonly Row[]): SerializedRows | null => {
  const first = rows[0];
  return first === undefined ? null : { columns: Object.keys(first), json: JSON.stringify(rows) };
};

/** Inserts or replaces whole serialized rows (every column of the table must be present). */
export const upsertSerialized = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  keyColumns: readonly string[],
  rows: SerializedRows,
): Promise<void> => {
  const columns = rows.columns.filter((c) => !keyColumns.includes(c));
  const set = sql.join(columns.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`));
  await sql`
    insert into ${table}
    select * from jsonb_populate_recordset(null::${table}, ${rows.json}::jsonb)
    on conflict (${sql.join(keyColumns.map((c) => sql.id(c)))}) do update set ${set}`.execute(db);
};

/** Appends serialized rows; a row already there is an error (it would mean an event applied twice). */
export const insertSerialized = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  rows: SerializedRows,
): Promise<void> => {
  await sql`
    insert into ${table}
    select * from jsonb_populate_recordset(null::${table}, ${rows.json}::jsonb)`.execute(db);
};

/** Inserts or replaces whole rows (every column of the table must be present). */
export const upsertRows = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  keyColumns: readonly string[],
  rows: readonly Row[],
): Promise<void> => {
  const serialized = serializeRows(rows);
  if (serialized !== null) await upsertSerialized(db, table, keyColumns, serialized);
};

/** Appends rows; a row already there is an error (it would mean an event applied twice). */
export const insertRows = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  rows: readonly Row[],
): Promise<void> => {
  const serialized = serializeRows(rows);
  if (serialized !== null) await insertSerialized(db, table, serialized);
};

/**
 * How a projection reaches its rows, by logical table name (`orders`, not the
 * versioned physical table). The runner's store goes straight to SQL in the
 * batch transaction (`sqlRows`); a rebuild's fold uses one that keeps the rows
 * in memory and writes them later (`BufferedRows`).
 */
export type RowStore = Readonly<{
  /** Rows whose single-column key is in `keys`. The caller may change them and must then `upsert` them. */
  load: <R extends Row>(table: string, keyColumn: string, keys: Iterable<string>) => Promise<R[]>;
  /** Rows whose two-column key is in `keys`. */
  loadByPair: <R extends Row>(
    table: string,
    keyColumns: readonly [string, string],
    keys: Iterable<readonly [string, string]>,
  ) => Promise<R[]>;
  /** Inserts or replaces whole rows. */
  upsert: (table: string, keyColumns: readonly string[], rows: readonly Row[]) => Promise<void>;
  /** Appends rows that must not be there yet. */
  insert: (table: string, rows: readonly Row[]) => Promise<void>;
}>;

/** Reads and writes through `db` at once. */
export const sqlRows = (db: Kysely<unknown>, t: VersionTables): RowStore => ({
  load: (table, keyColumn, keys) => loadRows(db, t.table(table), keyColumn, keys),
  loadByPair: (table, keyColumns, keys) => loadRowsByPair(db, t.table(table), keyColumns, keys),
  upsert: (table, keyColumns, rows) => upsertRows(db, t.table(table), keyColumns, rows),
  insert: (table, rows) => insertRows(db, t.table(table), rows),
});
