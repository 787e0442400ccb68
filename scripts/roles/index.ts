import { apiRole } from './api.ts';
import { commandsRole } from './commands.ts';
import { projectionsRole } from './projections.ts';
import { relayRole } from './relay.ts';
import { sagasRole } from './sagas.ts';
import { timersRole } from './timers.ts';
import type { Role } from './role.ts';

/**
 * Every role `npm start` knows, in start order; they stop in reverse. The
 * log's consumers start first and the entry points (commands over NATS, HTTP)
 * last, so nothing is accepted before what follows from it runs, and on
 * shutdown the entry points close first.
 */
export const roles: readonly Role[] = [
  projectionsRole,
  relayRole,
  timersRole,
  sagasRole,
  commandsRole,
  apiRole,
];
