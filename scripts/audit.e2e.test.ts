import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../read-api/app.ts';
import { AUDIT_KEYS, bearer, createAuditTestBed } from '../read-api/audit/test-setup.ts';
import type { AuditTestBed } from '../read-api/audit/test-setup.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';

const SCRIPT = fileURLToPath(new URL('./audit.ts', import.meta.url));

type Run = Readonly<{ code: number; stdout: string; stderr: string }>;

// Each case starts several Node processes: generous on a busy 2-core machine.
describe('npm run audit gives the same answers as the HTTP routes', { timeout: 400_000 }, () => {
  let bed: AuditTestBed;
  let app: App;
  let dir: string;

  const cli = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [SCRIPT, ...args],
        {
          env: {
            PATH: process.env['PATH'] ?? '',
            DATABASE_URL: TEST_DATABASE_URL,
            EVENT_STORE_SCHEMA: bed.db.schema,
            AUDIT_SIGNING_KEY: bed.signingKeyPem,
            ...env,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
        },
      );
    });
  const http = async (url: string): Promise<unknown> => {
    const response = await app.inject({ method: 'GET', url, headers: bearer(AUDIT_KEYS.auditor) });
    return response.headers['content-type']?.includes('ndjson') === true ? response.body : response.json();
  };
  const json = (run: Run): unknown => {
    expect(run.stderr).not.toMatch(/audit: /);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    bed = await createAuditTestBed('audit_cli', 3);
    app = await bed.app();
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
  });
  afterAll(async () => {
    await bed.close();
  });

  it('history, state (by revision, by time, now), export and verify', async () => {
    expect(json(await cli(['history', 'listing-l1']))).toEqual(
      await http('/audit/streams/listing-l1/events'),
    );
    expect(json(await cli(['state', 'listing-l1', '--revision', '1']))).toEqual(
      await http('/audit/streams/listing-l1/state?revision=1'),
    );
    const at = '2100-01-01T00:00:00.000Z';
    expect(json(await cli(['state', 'listing-l2', '--at', at]))).toEqual(
      await http(`/audit/streams/listing-l2/state?at=${at}`),
    );
    expect(json(await cli(['state', 'listing-l0']))).toEqual(await http('/audit/streams/listing-l0/state'));

    const exported = await cli(['export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n')).toHaveLength(10);
    expect(exported.stdout).toBe(await http('/audit/export'));
    const file = join(dir, 'log.ndjson');
    expect((await cli(['export', '--out', file, '--since', '2000-01-01T00:00:00Z'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout);

    const verify = await cli(['verify']);
    expect(verify.code).toBe(0);
    expect(json(verify)).toEqual(await http('/audit/verify'));
    const replay = await cli(['replay-check', 'orders'], { READ_MODEL_SCHEMA: bed.db.schema });
    expect(replay.code).toBe(0);
    expect(json(replay)).toEqual(await http('/audit/replay-check/orders'));
  });

  it('checkpoints: create, list, export, verify from a kept file with only the public key; tamper found by both', async () => {
    const created = await cli(['checkpoint', 'create']);
    expect(created.code).toBe(0);
    const checkpoint = json(created) as { id: number; eventCount: number };
    expect(checkpoint.eventCount).toBe(9);
    expect(json(await cli(['checkpoint', 'list']))).toEqual(await http('/audit/checkpoints'));
    const kept = join(dir, 'checkpoints.json');
    expect((await cli(['checkpoint', 'export', '--out', kept])).code).toBe(0);
    const publicKey = join(dir, 'audit-public.pem');
    writeFileSync(publicKey, bed.publicKeyPem);

    const auditorOnly = { AUDIT_SIGNING_KEY: '' };
    const clean = await cli(['checkpoint', 'verify', '--file', kept, '--public-key', publicKey], auditorOnly);
    expect(clean.code).toBe(0);
    expect(json(clean)).toEqual(await http('/audit/checkpoints/verify'));
    const untrusted = await cli(['checkpoint', 'verify', '--file', kept], auditorOnly);
    expect(untrusted.code).toBe(1);
    expect(json(untrusted)).toMatchObject({
      ok: false,
      checkpoints: [{ signature: 'unknown-key', log: 'unchanged' }],
    });

    await bed.db.pool.query(
      `delete from "${bed.db.schema}".events where stream_id = 'listing-l0' and stream_revision = 1`,
    );
    const verify = await cli(['verify']);
    expect(verify.code).toBe(1);
    const report = json(verify);
    expect(report).toMatchObject({
      ok: false,
      findings: [{ kind: 'missing-revisions', streamId: 'listing-l0', revision: 1, through: 1 }],
    });
    expect(report).toEqual(await http('/audit/verify'));
    const after = await cli(['checkpoint', 'verify', '--file', kept, '--public-key', publicKey], auditorOnly);
    expect(after.code).toBe(1);
    expect(json(after)).toMatchObject({
      ok: false,
      checkpoints: [{ signature: 'valid', log: 'changed', actualEventCount: 8 }],
    });
  });

  it('refuses bad input with a code and exit 2', async () => {
    const bad = await cli(['state', 'listing-l1', '--revision', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--revision must be an integer');
    const unknown = await cli(['state', 'widget-1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('UNKNOWN_CATEGORY');
    expect((await cli(['frobnicate'])).code).toBe(2);
    const noKey = await cli(['checkpoint', 'create'], { AUDIT_SIGNING_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('NO_SIGNING_KEY');
  });
});
