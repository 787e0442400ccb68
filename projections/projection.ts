import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../infra/event-store/port.ts';
import type { ProjectionName } from './read-models/projections.ts';
import type { RowStore } from './rows.ts';
import type { ProjectionSchema, VersionTables } from './read-models/tables.ts';

/**
 * A projection: the event types it handles and how a batch of them changes
 * its tables. The runner owns ordering, transactions and checkpoints; `apply`
 * only writes through the `db` it is given (the runner's transaction).
 */
export type Projection = Readonly<{
  name: ProjectionName;
  schema: ProjectionSchema;
  /** Event types it reads; every other event only moves its checkpoint. */
  handles: ReadonlySet<string>;
  /**
   * Applies handled events, in log order. Throws on an event it cannot apply (a poison event).
   * Rows go through `rows` (default: straight to SQL through `db`, `sqlRows(db, t)`).
   */
  apply: (
    db: Kysely<unknown>,
    t: VersionTables,
    events: readonly RecordedEvent[],
    rows?: RowStore,
  ) => Promise<void>;
}>;

/** An event the projection cannot apply: the log contradicts the read model. */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
}

/** Narrows a recorded event to a domain message union, by its type name (the runner filtered on `handles`). */
// The type parameter is the point: the caller names the union the event belongs to.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export const asMessage = <M extends Readonly<{ type: string; data: unknown }>>(event: RecordedEvent): M => {
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
    throw new ProjectionError(`${event.type} ${event.eventId}: data is not an object`);
  }
  return { type: event.type, data: event.data } as unknown as M;
};

export const required = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new ProjectionError(`${what} is not in the read model`);
  return value;
};
