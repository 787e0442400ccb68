import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type pg from 'pg';
import { migrateEventStore } from '../../../infra/event-store/postgres/open.ts';
import { migrateReadModels } from '../../../projections/read-models/install.ts';
import { intOption } from '../args.ts';
import { CpuMeter, parseProcStat } from '../cpu.ts';
import { withClient } from '../database.ts';
import type { BenchResult, RunOptions, Scenario } from '../types.ts';
import { warmupFor } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const TARGET_BY_ID_PER_SEC = 8000;
const TARGET_P99_MS = 20;
const API_KEY = 'bench-reader-key-0123456789abcdef';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** What each column of a seeded table is, as SQL over `i` (the row number); unnamed not-null columns get a zero. */
type ColumnExpressions = Readonly<Record<string, string>>;

const ZERO_BY_TYPE: Readonly<Record<string, string>> = {
  integer: '0',
  bigint: '0',
  smallint: '0',
  'double precision': '0',
  numeric: '0',
  text: "''",
  boolean: 'false',
  jsonb: "'{}'::jsonb",
  'timestamp with time zone': 'now()',
};

/**
 * Bulk-loads a projection's physical table with `generate_series`. Columns the
 * scenario does not name get a zero of their type, so the seed keeps working
 * when the projection adds columns.
 */
const seedTable = async (
  pool: pg.Pool,
  schema: string,
  table: string,
  rows: number,
  expressions: ColumnExpressions,
): Promise<void> => {
  const { rows: columns } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
    `select column_name, data_type, is_nullable from information_schema.columns
      where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [schema, table],
  );
  if (columns.length === 0) throw new Error(`read-api: no table ${schema}.${table} to seed`);
  const names: string[] = [];
  const values: string[] = [];
  for (const c of columns) {
    const given = expressions[c.column_name];
    if (given === undefined && c.is_nullable === 'YES') continue;
    names.push(`"${c.column_name}"`);
    values.push(given ?? ZERO_BY_TYPE[c.data_type] ?? "''");
  }
  await pool.query(
    `insert into "${schema}"."${table}" (${names.join(', ')})
     select ${values.join(', ')} from generate_series(0, ${rows - 1}) as s(i)`,
  );
  await pool.query(`vacuum analyze "${schema}"."${table}"`);
};

const seedCatalog = async (
  pool: pg.Pool,
  schema: string,
  listings: number,
  sellers: number,
): Promise<void> => {
  await seedTable(pool, schema, 'catalog_v1_listings', listings, {
    listing_id: `'l-' || i`,
    seller_id: `'s-' || (i % ${sellers})`,
    sku: `'sku-' || i`,
    title: `(array['Red', 'Blue', 'Green', 'Old', 'New'])[i % 5 + 1] || ' ' ||
            (array['bike', 'table', 'lamp', 'shirt', 'book', 'chair'])[i % 6 + 1] || ' ' || i`,
    price_minor: `100 + (i * 7919) % 100000`,
    currency: `'EUR'`,
    currency_exponent: '2',
    status: `case when i % 10 = 9 then 'withdrawn' else 'active' end`,
    created_at: `timestamptz '2026-01-01' + i * interval '1 second'`,
    published_at: `timestamptz '2026-01-01' + i * interval '1 second'`,
    updated_at: `timestamptz '2026-01-01' + i * interval '1 second'`,
    revision: '1',
  });
  await seedTable(pool, schema, 'catalog_v1_stock', listings, {
    sku: `'sku-' || i`,
    on_hand: `10 + i % 50`,
    reserved: `i % 5`,
  });
};

const freePort = async (): Promise<number> => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('read-api: no free port');
  return address.port;
};

/** utime + stime of one process in seconds (USER_HZ 100), 0 when unreadable. */
const processCpuS = (pid: number | undefined): number => {
  if (pid === undefined) return 0;
  try {
    return (parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.ticks ?? 0) / 100;
  } catch {
    return 0;
  }
};

/** The server's Postgres backends: its read pool's connections, opened after `since`. */
const serverBackends = (url: string, since: Date): Promise<readonly number[]> =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'commerce-core:read-api' and backend_start >= $1`,
      [since],
    );
    return rows.map((r) => r.pid);
  });

/** `npm start -- --roles api` as a child process: the real server, over HTTP. */
const startServer = async (options: RunOptions, port: number): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['scripts/start.ts', '--roles', 'api'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      EVENT_STORE_SCHEMA: options.schema,
      READ_MODEL_SCHEMA: options.schema,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      API_KEYS: `${API_KEY}:reader`,
      CURSOR_SECRET: 'bench-cursor-secret-0123456789',
      RATE_LIMIT_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The server logs (warnings and up) are kept to explain a failure, not shown.
  const tail: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(chunk);
    if (tail.length > 20) tail.shift();
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`read-api: the server exited with ${child.exitCode}:\n${tail.join('')}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.ok) return child;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('read-api: the server did not become ready');
};

const stopServer = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
};

/** The server's listing cache lookups so far (`read_api_listing_cache_lookups_total`), 0 when it has none. */
const cacheLookups = async (port: number): Promise<{ hit: number; miss: number }> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const count = (result: string): number =>
    Number(
      new RegExp(`^read_api_listing_cache_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(
        text,
      )?.[1] ?? 0,
    );
  return { hit: count('hit'), miss: count('miss') };
};

type Load = Readonly<{ name: string; path: () => string }>;

const drive = async (
  port: number,
  load: Load,
  connections: number,
  durationS: number,
  signal: AbortSignal,
): Promise<autocannon.Result> =>
  new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationS,
        headers: { authorization: `Bearer ${API_KEY}` },
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: load.path() }) }],
      },
      (error, result) => {
        signal.removeEventListener('abort', abort);
        if (error !== null && error !== undefined)
          reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    const abort = (): void => {
      instance.stop();
    };
    signal.addEventListener('abort', abort);
  });

/**
 * The read API under HTTP load: seeds a catalog into the run's schema, starts
 * `npm start -- --roles api` on a free port and drives it with autocannon:
 * `/healthz` (the HTTP ceiling of this server on this machine now), one
 * listing by id, then a filtered page (a seller's active listings in a price
 * range, newest first).
 */
export const readApi: Scenario = {
  name: 'read-api',
  description: 'the HTTP read API under autocannon: one listing by id, then a filtered catalog page',
  defaults: { durationS: 10, concurrency: 32 },
  options: {
    listings: { type: 'string', description: 'listings to seed', default: '100000' },
    sellers: { type: 'string', description: 'sellers the listings belong to', default: '1000' },
  },
  run: async (options) => {
    const listings = intOption(options.values, 'listings', 100_000);
    const sellers = intOption(options.values, 'sellers', 1000);
    const pool = options.createPool(2, 'seed');
    options.log(`read-api: seeding ${listings} listings of ${sellers} sellers`);
    await migrateEventStore(pool, options.schema);
    await migrateReadModels(pool, options.schema);
    await seedCatalog(pool, options.schema, listings, sellers);
    await pool.end();

    const port = await freePort();
    const serverStarted = new Date(Date.now() - 1000);
    const server = await startServer(options, port);
    try {
      const random = (n: number): number => Math.floor(Math.random() * n);
      // /healthz first: the same server and machine answering HTTP with no query and no auth,
      // the ceiling the data routes are compared with (`ratio`).
      const loads: readonly Load[] = [
        { name: 'healthz', path: () => '/healthz' },
        { name: 'listing-by-id', path: () => `/listings/l-${random(listings)}` },
        {
          name: 'filtered-page',
          path: () => `/listings?seller=s-${random(sellers)}&minPrice=1000&maxPrice=80000&limit=20`,
        },
      ];
      const results: BenchResult[] = [];
      let ceiling: number | undefined;
      for (const load of loads) {
        const warmupS = Math.max(1, Math.round(warmupFor(options.durationS)));
        options.log(`read-api: ${load.name}, ${options.concurrency} connections, ${warmupS} s warm-up`);
        await drive(port, load, options.concurrency, warmupS, options.signal);
        options.log(`read-api: ${load.name}, ${options.durationS} s measured`);
        // The server's CPU and its backends' per request: what the numbers would be without the
        // machine's other load, which the request rate alone cannot tell on a shared machine.
        const meter = new CpuMeter(await serverBackends(options.databaseUrl, serverStarted));
        const lookupsBefore = await cacheLookups(port);
        const serverCpuBefore = processCpuS(server.pid);
        const r = await drive(port, load, options.concurrency, options.durationS, options.signal);
        const serverCpuS = processCpuS(server.pid) - serverCpuBefore;
        const lookupsAfter = await cacheLookups(port);
        const hits = lookupsAfter.hit - lookupsBefore.hit;
        const lookups = hits + lookupsAfter.miss - lookupsBefore.miss;
        const cpu = meter.stop();
        options.signal.throwIfAborted();
        if (r.non2xx > 0 || r.errors > 0) {
          throw new Error(`read-api: ${load.name} had ${r.non2xx} non-2xx answers and ${r.errors} errors`);
        }
        const opsPerSec = r.requests.total / r.duration;
        if (load.name === 'healthz') ceiling = opsPerSec;
        results.push({
          scenario: 'read-api',
          case: load.name,
          unit: 'requests',
          opsPerSec,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          concurrency: options.concurrency,
          durationS: r.duration,
          ops: r.requests.total,
          ...(load.name === 'healthz'
            ? {}
            : { ceilingOpsPerSec: ceiling, ceilingIs: 'GET /healthz, same server, same run' }),
          maxMs: r.latency.max,
          meanBytesPerSec: r.throughput.average,
          cpuMsPerRequest: {
            server: (serverCpuS * 1000) / Math.max(1, r.requests.total),
            backends: (cpu.backends * r.duration * 1000) / Math.max(1, r.requests.total),
            loadGenerator: (cpu.node * r.duration * 1000) / Math.max(1, r.requests.total),
          },
          machineBusyCores: cpu.machineBusy,
          ...(load.name === 'healthz' ? {} : { listings, sellers }),
          ...(load.name === 'listing-by-id'
            ? {
                targetOpsPerSec: TARGET_BY_ID_PER_SEC,
                targetP99Ms: TARGET_P99_MS,
                // Of the measured window: the share answered from the server's listing cache.
                cacheHitRatio: lookups === 0 ? 0 : Math.round((hits / lookups) * 10_000) / 10_000,
              }
            : {}),
          loadGenerator: 'autocannon, in the bench process; server: npm start -- --roles api',
        });
      }
      return results;
    } finally {
      await stopServer(server);
    }
  },
};
