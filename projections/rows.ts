import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';

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

/** Inserts or replaces whole rows (every column of the table must be present). */
export const upsertRows = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  keyColumns: readonly string[],
  rows: readonly Row[],
): Promise<void> => {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first).filter((c) => !keyColumns.includes(c));
  const set = sql.join(columns.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`));
  await sql`
    insert into ${table}
    select * from jsonb_populate_recordset(null::${table}, ${JSON.stringify(rows)}::jsonb)
    on conflict (${sql.join(keyColumns.map((c) => sql.id(c)))}) do update set ${set}`.execute(db);
};

/** Appends rows; a row already there is an error (it would mean an event applied twice). */
export const insertRows = async (
  db: Kysely<unknown>,
  table: RawBuilder<unknown>,
  rows: readonly Row[],
): Promise<void> => {
  if (rows.length === 0) return;
  await sql`
    insert into ${table}
    select * from jsonb_populate_recordset(null::${table}, ${JSON.stringify(rows)}::jsonb)`.execute(db);
};
