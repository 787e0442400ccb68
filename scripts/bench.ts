/**
 * Benchmarks: `npm run bench -- <scenario> [--duration S] [--concurrency N]`.
 * One JSON object per line on stdout, progress on stderr. Each run works in a
 * schema of its own and drops it at the end, also on Ctrl-C.
 * Scenarios live in scripts/bench/scenarios/ (see docs/benchmarks.md).
 */
import type pg from 'pg';
import { parseBenchArgs } from './bench/args.ts';
import { backendPids, benchSchemaName, databaseUrl, newPool, withClient } from './bench/database.ts';
import { scenarios } from './bench/scenarios/index.ts';
import { resultLine } from './bench/stats.ts';

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const main = async (): Promise<number> => {
  const parsed = parseBenchArgs(process.argv.slice(2), scenarios);
  if (parsed.kind === 'help') {
    process.stderr.write(`${parsed.text}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`bench: ${parsed.message}\n\n${parsed.text}\n`);
    return 2;
  }

  const url = databaseUrl();
  const schema = benchSchemaName(parsed.scenario.name);
  const applicationName = (role: string): string => `bench:${role}:${schema.slice(-15)}`;
  const controller = new AbortController();
  const pools: pg.Pool[] = [];
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      log(`${signal}: stopping, then dropping schema ${schema} (again to exit at once)`);
      controller.abort(new Error(`interrupted by ${signal}`));
    } else {
      log(`${signal} again: exiting now; schema ${schema} may be left behind`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await withClient(url, (client) => client.query(`create schema "${schema}"`));
  log(`${parsed.scenario.name}: schema ${schema} on ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
  let code = 0;
  try {
    const results = await parsed.scenario.run({
      scenario: parsed.scenario.name,
      durationS: parsed.durationS,
      concurrency: parsed.concurrency,
      values: parsed.values,
      databaseUrl: url,
      schema,
      signal: controller.signal,
      createPool: (max, role) => {
        const pool = newPool(url, max, applicationName(role));
        pool.on('error', (error) => {
          log(`idle connection error: ${error.message}`);
        });
        pools.push(pool);
        return pool;
      },
      applicationName,
      backendPids: (role) => backendPids(url, applicationName(role)),
      log,
    });
    for (const result of results) process.stdout.write(`${resultLine(result)}\n`);
  } catch (error) {
    if (controller.signal.aborted) {
      log('interrupted');
      code = 130;
    } else {
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      code = 1;
    }
  } finally {
    await Promise.allSettled(pools.filter((pool) => !pool.ending).map((pool) => pool.end()));
    try {
      await withClient(url, (client) => client.query(`drop schema if exists "${schema}" cascade`));
      log(`dropped schema ${schema}`);
    } catch (error) {
      log(`could not drop schema ${schema}: ${error instanceof Error ? error.message : String(error)}`);
      code ||= 1;
    }
  }
  return code;
};

process.exit(await main());
