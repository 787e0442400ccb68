/**
 * The command CLI as a user runs it (a separate process), against a gateway
 * serving every command over the real NATS and Postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands } from '../commands/definitions/index.ts';
import { commandPolicy } from '../commands/policy.ts';
import type { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../infra/postgres/test-database.ts';
import type { CommandBus } from '../commands/command-bus.ts';
import { openTestCommandSide, startTestGateway } from '../commands/test/command-side.ts';
import type { TestGateway } from '../commands/test/command-side.ts';

const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const root = fileURLToPath(new URL('..', import.meta.url));

type Run = Readonly<{ code: number; stdout: string; stderr: string }>;

const cli = (args: readonly string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/send-command.ts', ...args],
      { cwd: root, env: { ...process.env, NATS_URL }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });

describe('npm run command (the CLI as a process, real NATS and Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let wire: TestGateway;
  let dir: string;
  let prefix: string;

  beforeAll(async () => {
    let bus: CommandBus;
    ({ db, store, bus } = await openTestCommandSide('cli_cmd', 6, { definitions: allCommands }));
    wire = await startTestGateway(bus, 'cli');
    ({ prefix } = wire);
    dir = await mkdtemp(join(tmpdir(), 'send-command-'));
  });
  afterAll(async () => {
    await wire.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists every command; usage errors exit 2 without sending', async () => {
    const [help, unknown, noData] = await Promise.all([
      cli(['--help']),
      cli(['inventory.teleport', '{}', '--prefix', prefix]),
      cli(['inventory.receive', '--prefix', prefix]),
    ]);
    expect(help.code).toBe(0);
    for (const { name } of allCommands) expect(help.stdout).toContain(name);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('unknown command "inventory.teleport"');
    expect(noData.code).toBe(2);
  });

  it('sends from a file, inline JSON or the example; prints the reply; exit 0 accepted, 1 refused', async () => {
    const sku = `sku-${uuidv7()}`;
    const file = join(dir, 'receive.json');
    await writeFile(file, JSON.stringify({ sku, receiptId: 'rcpt-1', quantity: 5 }));
    const commandId = uuidv7();
    const fromFile = await cli(['inventory.receive', '--file', file, '--id', commandId, '--prefix', prefix]);
    expect(fromFile.code).toBe(0);
    const accepted = JSON.parse(fromFile.stdout) as unknown;
    expect(accepted).toMatchObject({
      status: 'accepted',
      commandId,
      streamId: `inventory-${sku}`,
      revision: 0,
    });

    const [again, refused, example] = await Promise.all([
      cli([
        'inventory.receive',
        JSON.stringify({ sku, receiptId: 'rcpt-1', quantity: 5 }),
        '--id',
        commandId,
        '--prefix',
        prefix,
      ]),
      cli([
        'inventory.reserve',
        JSON.stringify({ sku, reservationId: 'r', orderId: 'o', quantity: -1 }),
        '--prefix',
        prefix,
      ]),
      cli(['order.place', '--example', '--actor', 'cli-test', '--prefix', prefix]),
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(accepted);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 'refused', code: 'VALIDATION_FAILED' });
    expect(example.code).toBe(0);
    expect(JSON.parse(example.stdout)).toMatchObject({
      status: 'accepted',
      streamId: 'order-ord-2025-000123',
    });
    const [placed] = await store.readStream('order-ord-2025-000123');
    expect(placed?.metadata).toMatchObject({ actor: 'cli-test' });
    // The fee schedule is the server's (this bus runs the default policy), not the request's.
    expect(placed?.data).toMatchObject({ feeSchedule: commandPolicy().feeSchedules.EUR });
    expect(await store.readStream(`inventory-${sku}`)).toHaveLength(1);
  });

  it('exits 2 with a clear message when no handler listens', async () => {
    const run = await cli(['inventory.receive', '--example', '--prefix', `${prefix}-nobody`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no command handler is listening');
  });
});
