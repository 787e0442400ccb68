import type { Scenario } from '../types.ts';
import { append } from './append.ts';
import { appendBatch } from './append-batch.ts';
import { command, commandHot } from './command.ts';
import { exportScenario } from './export.ts';
import { projectionLag } from './projection-lag.ts';
import { projectionRebuild } from './projection-rebuild.ts';
import { readAll } from './read-all.ts';
import { readApi } from './read-api.ts';

/** Every scenario `npm run bench -- <name>` knows. A new one is a file here and a line below. */
export const scenarios: readonly Scenario[] = [
  append,
  appendBatch,
  readAll,
  readApi,
  command,
  commandHot,
  exportScenario,
  projectionRebuild,
  projectionLag,
];
