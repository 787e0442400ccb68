import type { Kysely } from 'kysely';
import type { VersionTables } from './read-models/tables.ts';
import { insertSerialized, loadRows, loadRowsByPair, serializeRows, upsertSerialized } from './rows.ts';
import type { Row, RowStore } from './rows.ts';

type TableBuffer = {
  /** Every row of the table this store has seen, by key: the table's state as the fold left it. */
  readonly cached: Map<string, Row>;
  /** Rows changed since the last `takeWrites`, by key (the same objects as in `cached`). */
  readonly dirty: Map<string, Row>;
  keyColumns: readonly string[];
  /** Rows appended since the last `takeWrites`. */
  appended: Row[];
};

/** The writes a fold left since the previous call, already serialized: later folding cannot change them. */
export type PendingWrites = Readonly<{
  rows: number;
  write: (db: Kysely<unknown>) => Promise<void>;
}>;

const keyOf = (values: readonly unknown[]): string =>
  values.length === 1 ? String(values[0]) : values.map(String).join('\u0000');

/** `keyOf` the row's key columns, without building the array for the usual single-column key. */
const rowKey = (row: Row, keyColumns: readonly string[]): string => {
  const [only] = keyColumns;
  return keyColumns.length === 1 && only !== undefined
    ? String(row[only])
    : keyOf(keyColumns.map((c) => row[c]));
};

/**
 * The row store of a rebuild's fold. A version being rebuilt is written by the
 * rebuild alone, so the rows it wrote are the rows in its tables: this store
 * keeps them in memory and loads from Postgres only what it has not seen
 * (nothing at all when the fold started from empty tables, `complete`). Writes
 * are held back and leave with `takeWrites`, one statement per table, so a row
 * touched by many batches is written once per flush instead of once per batch.
 *
 * The rows handed out are the cached objects, which projections change in
 * place: after a failed `apply` the store no longer matches any checkpoint and
 * must be thrown away (the rebuild starts over from what was committed).
 */
export class BufferedRows implements RowStore {
  readonly #db: Kysely<unknown>;
  readonly #t: VersionTables;
  readonly #maxCachedRows: number;
  readonly #tables = new Map<string, TableBuffer>();
  /** True while every row of the tables is in `cached`: a key not there is not in the table. */
  #complete: boolean;

  constructor(
    db: Kysely<unknown>,
    t: VersionTables,
    options: Readonly<{ complete: boolean; maxCachedRows: number }>,
  ) {
    this.#db = db;
    this.#t = t;
    this.#complete = options.complete;
    this.#maxCachedRows = options.maxCachedRows;
  }

  #table(table: string, keyColumns: readonly string[]): TableBuffer {
    let buffer = this.#tables.get(table);
    if (buffer === undefined) {
      buffer = { cached: new Map(), dirty: new Map(), keyColumns, appended: [] };
      this.#tables.set(table, buffer);
    }
    return buffer;
  }

  async #load<R extends Row, K>(
    table: string,
    keyColumns: readonly string[],
    keys: Iterable<K>,
    keyValues: (key: K) => readonly string[],
    fetch: (missing: readonly K[]) => Promise<R[]>,
  ): Promise<R[]> {
    const buffer = this.#table(table, keyColumns);
    const found: R[] = [];
    const seen = new Set<string>();
    const missing = new Map<string, K>();
    for (const key of keys) {
      const k = keyOf(keyValues(key));
      if (seen.has(k)) continue;
      seen.add(k);
      const row = buffer.cached.get(k);
      if (row !== undefined) found.push(row as R);
      else if (!this.#complete) missing.set(k, key);
    }
    if (missing.size > 0) {
      for (const row of await fetch([...missing.values()])) {
        buffer.cached.set(rowKey(row, keyColumns), row);
        found.push(row);
      }
    }
    return found;
  }

  load<R extends Row>(table: string, keyColumn: string, keys: Iterable<string>): Promise<R[]> {
    return this.#load<R, string>(
      table,
      [keyColumn],
      keys,
      (k) => [k],
      (missing) => loadRows<R>(this.#db, this.#t.table(table), keyColumn, missing),
    );
  }

  loadByPair<R extends Row>(
    table: string,
    keyColumns: readonly [string, string],
    keys: Iterable<readonly [string, string]>,
  ): Promise<R[]> {
    return this.#load<R, readonly [string, string]>(
      table,
      keyColumns,
      keys,
      (k) => k,
      (missing) => loadRowsByPair<R>(this.#db, this.#t.table(table), keyColumns, missing),
    );
  }

  upsert(table: string, keyColumns: readonly string[], rows: readonly Row[]): Promise<void> {
    const buffer = this.#table(table, keyColumns);
    buffer.keyColumns = keyColumns;
    for (const row of rows) {
      const k = rowKey(row, keyColumns);
      buffer.cached.set(k, row);
      buffer.dirty.set(k, row);
    }
    return Promise.resolve();
  }

  insert(table: string, rows: readonly Row[]): Promise<void> {
    this.#table(table, []).appended.push(...rows);
    return Promise.resolve();
  }

  /**
   * Takes the writes held back so far. They are serialized before this returns,
   * so the caller may go on folding while they are written. Past
   * `maxCachedRows` the cache is dropped (rows are loaded again as needed).
   */
  takeWrites(): PendingWrites {
    const writes: ((db: Kysely<unknown>) => Promise<void>)[] = [];
    let rows = 0;
    let cached = 0;
    for (const [table, buffer] of this.#tables) {
      const physical = this.#t.table(table);
      const { keyColumns } = buffer;
      const changed = serializeRows([...buffer.dirty.values()]);
      if (changed !== null) {
        writes.push((db) => upsertSerialized(db, physical, keyColumns, changed));
        rows += buffer.dirty.size;
        buffer.dirty.clear();
      }
      const appended = serializeRows(buffer.appended);
      if (appended !== null) {
        writes.push((db) => insertSerialized(db, physical, appended));
        rows += buffer.appended.length;
        buffer.appended = [];
      }
      cached += buffer.cached.size;
    }
    if (cached > this.#maxCachedRows) {
      for (const buffer of this.#tables.values()) buffer.cached.clear();
      this.#complete = false;
    }
    return {
      rows,
      write: async (db) => {
        for (const write of writes) await write(db);
      },
    };
  }
}
