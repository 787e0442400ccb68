import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjections } from './rebuild.ts';
import { projectionNames } from './read-models/projections.ts';
import { dumpViews, openHarness, waitForProjections } from './test/harness.ts';
import type { Harness } from './test/harness.ts';
import { bulkLoad } from './test/bulk-load.ts';
import { generateHistory, seededRandom, takeEvents } from './test/history.ts';

const WORKER = fileURLToPath(new URL('./test/worker-process.ts', import.meta.url));

const startWorker = (schema: string, pauseAt?: number): ChildProcess =>
  spawn(process.execPath, [WORKER, schema, ...(pauseAt === undefined ? [] : [String(pauseAt)])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });

const waitForLine = (child: ChildProcess, line: string): Promise<void> =>
  new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`worker exited (${String(code)}) before "${line}"`));
    });
  });

describe('a worker killed with SIGKILL in the middle of a batch', () => {
  let h: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    h = await openHarness('proj_crash');
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await h.drop();
  });

  it('leaves the read models at their checkpoint; a restarted worker ends where a fresh rebuild does', async () => {
    await bulkLoad(h.pool, h.schema, takeEvents(generateHistory(seededRandom(11), { tag: 'c' }), 3000));
    const head = await h.store.headPosition();

    const doomed = startWorker(h.schema, 4);
    children.push(doomed);
    await waitForLine(doomed, 'in-batch');
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');

    // Three batches of 200 committed; the fourth, written but not committed, is gone.
    const afterCrash = (await h.status()).filter((s) => s.active);
    for (const s of afterCrash) {
      expect(s.state).toBe('running');
      expect(s.checkpoint.prepare).toBeGreaterThan(0);
      expect(s.checkpoint.prepare).toBeLessThan(head.prepare);
    }

    const restarted = startWorker(h.schema);
    children.push(restarted);
    await waitForLine(restarted, 'started');
    await waitForProjections(h, 60_000);
    restarted.kill('SIGTERM');
    await once(restarted, 'exit');
    const incremental = await dumpViews(h);
    expect(incremental['orders']?.length).toBeGreaterThan(50);

    await rebuildProjections({ pool: h.pool, store: h.store, schema: h.schema, names: projectionNames });
    expect(await dumpViews(h)).toEqual(incremental);
  });
});
