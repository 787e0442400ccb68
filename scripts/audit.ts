/**
 * `npm run audit -- <subcommand>`: what an auditor asks of the log, from the
 * command line. The same `Auditor` answers the HTTP routes under /audit, so
 * both give the same answers (docs/audit.md).
 *
 * Exit code: 0 done (and verified clean), 1 verification found something,
 * 2 usage, configuration or connection error.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { pino } from 'pino';
import { aggregates } from '../domain/aggregates.ts';
import { openAuditor } from '../infra/audit/auditor.ts';
import type { AsOf, Auditor } from '../infra/audit/auditor.ts';
import { parseCheckpointExport } from '../infra/audit/checkpoints.ts';
import { replayCheck } from '../infra/audit/replay-check.ts';
import { AuditError } from '../infra/audit/errors.ts';
import { generateSigningKey, loadAuditKeys, parsePublicKey } from '../infra/audit/signing.ts';
import { loadConfig } from '../infra/config.ts';
import { parsePosition } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import { createPool } from '../infra/postgres/database.ts';
import { replayTarget, replayTargetNames } from '../read-api/audit/replay-targets.ts';
import { startDatabase } from './system.ts';

const usage = `usage: npm run audit -- <subcommand> [options]

  history <streamId>                      every event of the stream with its metadata, in order (JSON)
  state <streamId> [--revision N | --at ISO]
                                          the aggregate's state folded up to that point (default: now)
  export [--from C:P] [--to C:P] [--since ISO] [--until ISO] [--out FILE]
                                          the log (or a range: positions inclusive, times [since, until))
                                          as NDJSON, streaming; a progress bar on stderr
  verify [--max-findings N]               recompute every stream's hash chain; exit 1 on any finding
  checkpoint create [--at C:P]            sign the running digest of the log up to the settled head
  checkpoint list                         the stored checkpoints (JSON)
  checkpoint export [--id N] [--out FILE] the stored checkpoints (or one) as a file to keep
  checkpoint verify [--file FILE] [--public-key PEMFILE]...
                                          re-digest the log and check each checkpoint (stored, or from
                                          an exported file); exit 1 when one fails
  replay-check <projection>               rebuild a projection from the log into scratch tables and
                                          compare with the live read model; exit 1 on differences
  keygen                                  a new Ed25519 key pair for AUDIT_SIGNING_KEY

environment: DATABASE_URL (else the embedded Postgres under DATA_DIR), EVENT_STORE_SCHEMA, READ_MODEL_SCHEMA,
  AUDIT_SIGNING_KEY (Ed25519 PKCS#8 PEM or base64 DER), AUDIT_PUBLIC_KEYS (extra trusted keys)`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const out = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

const position = (text: string | undefined, name: string): LogPosition | undefined => {
  if (text === undefined) return undefined;
  const parsed = parsePosition(text);
  if (parsed === null)
    throw new UsageError(`--${name} must be a log position "<commit>:<prepare>", got "${text}"`);
  return parsed;
};

const integer = (text: string | undefined, name: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be an integer ≥ 0, got "${text}"`);
  }
  return n;
};

const progressBar = (total: number, label: string): cliProgress.SingleBar => {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left`,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
};

type Parsed = ReturnType<typeof parse>;

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      revision: { type: 'string' },
      at: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
      id: { type: 'string' },
      file: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      'max-findings': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });

const run = async (auditor: Auditor, args: Parsed, readModelSchema: string): Promise<number> => {
  const [command, arg] = args.positionals;
  const v = args.values;
  switch (command) {
    case 'history': {
      if (arg === undefined) throw new UsageError('history needs a stream id');
      out(await auditor.fullHistory(arg));
      return 0;
    }
    case 'state': {
      if (arg === undefined) throw new UsageError('state needs a stream id');
      if (v.revision !== undefined && v.at !== undefined)
        throw new UsageError('give --revision or --at, not both');
      const revision = integer(v.revision, 'revision');
      const asOf: AsOf =
        revision !== undefined ? { revision } : v.at !== undefined ? { at: v.at } : { latest: true };
      out(await auditor.readableState(arg, asOf));
      return 0;
    }
    case 'export': {
      const range = await auditor.resolveRange({
        from: position(v.from, 'from'),
        to: position(v.to, 'to'),
        since: v.since,
        until: v.until,
      });
      const total = await auditor.count(range);
      const bar = progressBar(total, 'export');
      const sink = v.out === undefined ? process.stdout : createWriteStream(v.out);
      try {
        await pipeline(
          auditor.exportNdjson(range, (n) => {
            bar.increment(n);
          }),
          sink,
          { end: v.out !== undefined },
        );
      } finally {
        bar.stop();
      }
      process.stderr.write(`exported ${total} events${v.out === undefined ? '' : ` to ${v.out}`}\n`);
      return 0;
    }
    case 'verify': {
      const bar = progressBar(await auditor.count({}), 'verify');
      const maxFindings = integer(v['max-findings'], 'max-findings');
      try {
        const report = await auditor.verifyChains({
          ...(maxFindings === undefined ? {} : { maxFindings }),
          onBatch: (n) => {
            bar.increment(n);
          },
        });
        bar.stop();
        out(report);
        return report.ok ? 0 : 1;
      } finally {
        bar.stop();
      }
    }
    case 'checkpoint':
      return checkpoint(auditor, arg, v);
    case 'replay-check': {
      if (arg === undefined)
        throw new UsageError(`replay-check needs a projection: ${replayTargetNames().join(', ')}`);
      const report = await replayCheck(
        auditor.reader.pool,
        readModelSchema,
        replayTarget(readModelSchema, arg),
        auditor.reader,
      );
      out(report);
      return report.ok ? 0 : 1;
    }
    case undefined:
    default:
      throw new UsageError(
        command === undefined ? 'a subcommand is needed' : `unknown subcommand "${command}"`,
      );
  }
};

const checkpoint = async (
  auditor: Auditor,
  action: string | undefined,
  v: Parsed['values'],
): Promise<number> => {
  switch (action) {
    case 'create':
      out(await auditor.createCheckpoint(position(v.at, 'at')));
      return 0;
    case 'list':
      out({ checkpoints: await auditor.listCheckpoints() });
      return 0;
    case 'export': {
      const exported = await auditor.exportCheckpoints(integer(v.id, 'id'));
      if (v.out === undefined) out(exported);
      else {
        await pipeline([`${JSON.stringify(exported, null, 2)}\n`], createWriteStream(v.out));
        process.stderr.write(`wrote ${exported.checkpoints.length} checkpoint(s) to ${v.out}\n`);
      }
      return 0;
    }
    case 'verify': {
      const given =
        v.file === undefined ? undefined : parseCheckpointExport(JSON.parse(readFileSync(v.file, 'utf8')));
      const keys = (v['public-key'] ?? []).map((file) => parsePublicKey(readFileSync(file, 'utf8')));
      const report = await auditor.verifyCheckpoints(given, keys);
      out(report);
      return report.ok ? 0 : 1;
    }
    case undefined:
    default:
      throw new UsageError('checkpoint needs create, list, export or verify');
  }
};

const main = async (argv: readonly string[]): Promise<number> => {
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 2;
  }
  if (args.values.help === true || args.positionals.length === 0) {
    process.stderr.write(`${usage}\n`);
    return args.values.help === true ? 0 : 2;
  }
  if (args.positionals[0] === 'keygen') {
    const key = generateSigningKey();
    out({
      keyId: key.keyId,
      AUDIT_SIGNING_KEY: key.privateKeyPem.replaceAll('\n', '\\n'),
      publicKey: key.publicKeyPem,
    });
    return 0;
  }
  // Logs go to stderr: stdout carries the answer.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  let database;
  try {
    const config = loadConfig();
    const keys = loadAuditKeys();
    database = await startDatabase(config, logger);
    const pool = createPool(database.connectionString, { max: 2, applicationName: 'commerce-core:audit' });
    try {
      const auditor = await openAuditor({
        pool,
        schema: config.eventStoreSchema,
        aggregates,
        signer: keys.signer,
        trustedKeys: keys.verifyKeys,
      });
      return await run(auditor, args, config.readModelSchema);
    } finally {
      await pool.end();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`audit: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (error instanceof AuditError) {
      process.stderr.write(`audit: ${error.code}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await database?.stop();
  }
};

process.exitCode = await main(process.argv.slice(2));
