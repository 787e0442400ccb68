import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Config } from '../../infra/config.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { Logger } from '../../infra/logging.ts';

/** What a role's migration hook gets: the database, before any role starts. */
export type MigrationContext = Readonly<{
  config: Config;
  logger: Logger;
  pool: pg.Pool;
}>;

/** What a running role gets from `scripts/start.ts`. */
export type RoleContext = MigrationContext &
  Readonly<{
    eventStore: PostgresEventStore;
    /** Null when NATS was unreachable at start; roles with `needsNats` are then not started. */
    nats: NatsConnection | null;
  }>;

export type RunningRole = Readonly<{
  /** Stops taking work, finishes what is in flight, releases what it holds (not the shared pool or NATS). */
  stop: () => Promise<void>;
}>;

/**
 * One part of the system that `npm start -- --roles <names>` can run, alone or
 * with the others in one process.
 */
export type Role = Readonly<{
  name: string;
  /** One line for `--help`. */
  description: string;
  needsNats: boolean;
  /** Listens on PORT and answers `GET /healthz` itself; without such a role the launcher serves it. */
  servesHttp?: boolean;
  /**
   * Creates or updates the tables this role owns (idempotent, safe from several
   * processes at once). Run for every role, selected or not, by `npm start`
   * and `npm run migrate`: another role may read those tables.
   */
  migrate?: (ctx: MigrationContext) => Promise<void>;
  start: (ctx: RoleContext) => Promise<RunningRole>;
}>;
