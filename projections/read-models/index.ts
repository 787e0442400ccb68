/** What the read API and the roles need from the read models. */
export type * from './schema.ts';
export { migrateReadModels } from './install.ts';
export { readProjectionStatus, readCheckpoints, hasReached } from './status.ts';
export type { ProjectionStatus, StatusSchemas } from './status.ts';
export { projectionNames, isProjectionName } from './projections.ts';
export type { ProjectionName } from './projections.ts';
