import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';

/** Anything DDL can run on: the Kysely instance, a transaction or a connection. */
export type Ddl = Kysely<unknown>;

/**
 * The physical tables of one version of one projection: `<name>_v<version>_<table>`
 * in the read-model schema. Readers never see them; they read the stable views
 * (`listings`, `orders`, …) that point at the active version.
 */
export type VersionTables = Readonly<{
  schema: string;
  projection: string;
  version: number;
  /** `"schema"."<projection>_v<version>_<table>"` */
  table: (table: string) => RawBuilder<unknown>;
  /** The bare physical name, e.g. for index names. */
  name: (table: string) => string;
  view: (view: string) => RawBuilder<unknown>;
}>;

export const versionTables = (schema: string, projection: string, version: number): VersionTables => {
  const name = (table: string): string => `${projection}_v${version}_${table}`;
  return {
    schema,
    projection,
    version,
    name,
    table: (table) => sql.table(`${schema}.${name(table)}`),
    view: (view) => sql.table(`${schema}.${view}`),
  };
};

/** What a projection knows about its own tables and the views it serves. */
export type ProjectionSchema = Readonly<{
  /** Creates the tables with their primary keys only (bulk loading is faster without secondary indexes). */
  createTables: (db: Ddl, t: VersionTables) => Promise<void>;
  /** The secondary indexes readers need; run after a rebuild's bulk load, before the switch. */
  createIndexes: (db: Ddl, t: VersionTables) => Promise<void>;
  /** Points the stable views at these tables (drop + create, so a new shape can replace an old one). */
  createViews: (db: Ddl, t: VersionTables) => Promise<void>;
  /** The view names it serves, dropped before they are re-created. */
  views: readonly string[];
  tables: readonly string[];
}>;

export const dropViews = async (db: Ddl, t: VersionTables, views: readonly string[]): Promise<void> => {
  for (const view of views) await sql`drop view if exists ${t.view(view)}`.execute(db);
};

export const dropTables = async (db: Ddl, t: VersionTables, tables: readonly string[]): Promise<void> => {
  for (const table of tables) await sql`drop table if exists ${t.table(table)}`.execute(db);
};

/** `create index <name> on <table> <definition>`, named after the physical table. */
export const index = (
  db: Ddl,
  t: VersionTables,
  table: string,
  suffix: string,
  definition: RawBuilder<unknown>,
) =>
  sql`create index if not exists ${sql.id(`${t.name(table)}_${suffix}`)} on ${t.table(table)} ${definition}`.execute(
    db,
  );
