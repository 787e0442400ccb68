import type pg from 'pg';
import type { KeyObject } from 'node:crypto';
import { comparePositions, formatPosition, parsePosition } from '../event-store/port.ts';
import type { LogPosition } from '../event-store/port.ts';
import { toSafeInteger } from '../postgres/database.ts';
import { AuditError } from './errors.ts';
import { LogDigest } from './log-digest.ts';
import type { LogReader } from './log-reader.ts';
import { keyIdOf, publicKeyPem, signCheckpoint, signatureValid } from './signing.ts';
import type { CheckpointSigner } from './signing.ts';

/** A signed statement: the log up to `position` held `eventCount` events whose running digest was `digest`. */
export type Checkpoint = Readonly<{
  id: number;
  position: string;
  eventCount: number;
  digest: string;
  createdAt: string;
  algorithm: 'Ed25519';
  keyId: string;
  publicKey: string;
  signature: string;
}>;

export type CheckpointExport = Readonly<{
  kind: 'commerce-core/audit-checkpoints';
  exportedAt: string;
  checkpoints: readonly Checkpoint[];
}>;

export type CheckpointVerdict = Readonly<{
  id: number;
  position: string;
  keyId: string;
  /** `unknown-key`: not signed by a key this verifier trusts (see AUDIT_PUBLIC_KEYS). */
  signature: 'valid' | 'invalid' | 'unknown-key';
  log: 'unchanged' | 'changed';
  expectedEventCount: number;
  actualEventCount: number;
  expectedDigest: string;
  actualDigest: string;
  ok: boolean;
}>;

export type CheckpointReport = Readonly<{ ok: boolean; checkpoints: readonly CheckpointVerdict[] }>;

type CheckpointRow = {
  id: string;
  commit: string;
  prepare: string;
  event_count: string;
  digest: string;
  created_at: Date;
  key_id: string;
  public_key: string;
  signature: string;
};

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  id: toSafeInteger(row.id, 'id'),
  position: formatPosition({
    commit: toSafeInteger(row.commit, 'commit'),
    prepare: toSafeInteger(row.prepare, 'prepare'),
  }),
  eventCount: toSafeInteger(row.event_count, 'event count'),
  digest: row.digest,
  createdAt: row.created_at.toISOString(),
  algorithm: 'Ed25519',
  keyId: row.key_id,
  publicKey: row.public_key,
  signature: row.signature,
});

/** The running digest of the log from its start through `through` (inclusive). */
export const digestThrough = async (
  reader: LogReader,
  through: LogPosition,
): Promise<Readonly<{ eventCount: number; digest: string }>> => {
  const digest = new LogDigest();
  for await (const batch of reader.byPosition({ to: through }))
    for (const event of batch) digest.update(event);
  return { eventCount: digest.count, digest: digest.hex };
};

export class CheckpointStore {
  readonly #pool: pg.Pool;
  readonly #table: string;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#table = `"${schema}".audit_checkpoints`;
  }

  /**
   * Digests the log through `at` (default: the settled head, which no later
   * commit can precede) and stores the signed result.
   */
  async create(
    reader: LogReader,
    signer: CheckpointSigner | null,
    clock: () => Date,
    at?: LogPosition,
  ): Promise<Checkpoint> {
    if (signer === null) {
      throw new AuditError(
        'NO_SIGNING_KEY',
        'creating a checkpoint needs AUDIT_SIGNING_KEY (npm run audit -- keygen)',
      );
    }
    const head = await reader.head();
    if (head === null) throw new AuditError('EMPTY_LOG', 'the log is empty: nothing to checkpoint');
    if (at !== undefined && comparePositions(at, head) > 0) {
      throw new AuditError(
        'INVALID_RANGE',
        `position ${formatPosition(at)} is beyond the settled head ${formatPosition(head)}`,
      );
    }
    const position = at ?? head;
    const { eventCount, digest } = await digestThrough(reader, position);
    const fields = {
      position: formatPosition(position),
      eventCount,
      digest,
      createdAt: clock().toISOString(),
      keyId: signer.keyId,
    };
    const signature = signCheckpoint(signer, fields);
    const { rows } = await this.#pool.query<CheckpointRow>(
      `insert into ${this.#table} (commit, prepare, event_count, digest, created_at, key_id, public_key, signature)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       returning id::text, commit::text, prepare::text, event_count::text, digest, created_at, key_id, public_key, signature`,
      [
        position.commit,
        position.prepare,
        eventCount,
        digest,
        fields.createdAt,
        signer.keyId,
        publicKeyPem(signer.publicKey),
        signature,
      ],
    );
    return toCheckpoint(rows[0] as CheckpointRow);
  }

  async list(): Promise<readonly Checkpoint[]> {
    const { rows } = await this.#pool.query<CheckpointRow>(
      `select id::text, commit::text, prepare::text, event_count::text, digest, created_at, key_id, public_key, signature
         from ${this.#table} order by id`,
    );
    return rows.map(toCheckpoint);
  }

  async get(id: number): Promise<Checkpoint> {
    const found = (await this.list()).find((checkpoint) => checkpoint.id === id);
    if (found === undefined) throw new AuditError('CHECKPOINT_NOT_FOUND', `no checkpoint ${id}`);
    return found;
  }
}

export const exportCheckpoints = (checkpoints: readonly Checkpoint[], now: Date): CheckpointExport => ({
  kind: 'commerce-core/audit-checkpoints',
  exportedAt: now.toISOString(),
  checkpoints,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an exported file (or one checkpoint object) back, checking its shape. */
export const parseCheckpointExport = (value: unknown): readonly Checkpoint[] => {
  const list =
    isRecord(value) && Array.isArray(value['checkpoints']) ? (value['checkpoints'] as unknown[]) : [value];
  return list.map((item, index) => {
    const bad = (what: string): never => {
      throw new AuditError('INVALID_CHECKPOINT', `checkpoint ${index}: ${what}`);
    };
    if (!isRecord(item)) return bad('not an object');
    const text = (key: string): string => {
      const v = item[key];
      return typeof v === 'string' && v !== '' ? v : bad(`${key} must be a non-empty string`);
    };
    const int = (key: string): number => {
      const v = item[key];
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
        ? v
        : bad(`${key} must be an integer ≥ 0`);
    };
    const position = text('position');
    if (parsePosition(position) === null) bad('position must be "<commit>:<prepare>"');
    if (!/^[0-9a-f]{64}$/.test(text('digest'))) bad('digest must be 64 hex digits');
    return {
      id: int('id'),
      position,
      eventCount: int('eventCount'),
      digest: text('digest'),
      createdAt: text('createdAt'),
      algorithm: 'Ed25519',
      keyId: text('keyId'),
      publicKey: text('publicKey'),
      signature: text('signature'),
    };
  });
};

/**
 * Checks each checkpoint's signature against the trusted keys and recomputes
 * the log digest through its position, all in one ordered pass over the log.
 * A checkpoint whose key is not trusted is reported as such: the public key
 * embedded in a checkpoint proves nothing by itself.
 */
export const verifyCheckpoints = async (
  reader: LogReader,
  checkpoints: readonly Checkpoint[],
  trustedKeys: readonly KeyObject[],
): Promise<CheckpointReport> => {
  const byKeyId = new Map(trustedKeys.map((key) => [keyIdOf(key), key]));
  const ordered = checkpoints
    .map((checkpoint) => ({ checkpoint, position: parsePosition(checkpoint.position) as LogPosition }))
    .sort((a, b) => comparePositions(a.position, b.position));
  const actual = new Map<Checkpoint, Readonly<{ eventCount: number; digest: string }>>();
  const last = ordered.at(-1);
  if (last !== undefined) {
    const digest = new LogDigest();
    let next = 0;
    const settle = (upTo: LogPosition | null): void => {
      for (; next < ordered.length; next++) {
        const target = ordered[next] as (typeof ordered)[number];
        if (upTo !== null && comparePositions(upTo, target.position) <= 0) return;
        actual.set(target.checkpoint, { eventCount: digest.count, digest: digest.hex });
      }
    };
    for await (const batch of reader.byPosition({ to: last.position })) {
      for (const event of batch) {
        settle(event.position);
        digest.update(event);
      }
    }
    settle(null);
  }
  const verdicts = checkpoints.map((checkpoint): CheckpointVerdict => {
    const key = byKeyId.get(checkpoint.keyId);
    const signature =
      key === undefined
        ? 'unknown-key'
        : signatureValid(key, checkpoint, checkpoint.signature)
          ? 'valid'
          : 'invalid';
    const found = actual.get(checkpoint) ?? { eventCount: 0, digest: '' };
    const unchanged = found.eventCount === checkpoint.eventCount && found.digest === checkpoint.digest;
    return {
      id: checkpoint.id,
      position: checkpoint.position,
      keyId: checkpoint.keyId,
      signature,
      log: unchanged ? 'unchanged' : 'changed',
      expectedEventCount: checkpoint.eventCount,
      actualEventCount: found.eventCount,
      expectedDigest: checkpoint.digest,
      actualDigest: found.digest,
      ok: signature === 'valid' && unchanged,
    };
  });
  return { ok: verdicts.every((v) => v.ok), checkpoints: verdicts };
};
