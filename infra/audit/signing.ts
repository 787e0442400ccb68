import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../event-store/canonical.ts';
import { AuditError } from './errors.ts';

/**
 * Checkpoints are signed with Ed25519: the signing key stays with the
 * operator, and anyone holding the public key (an auditor, a regulator) can
 * verify a checkpoint without being able to forge one.
 */
export type CheckpointSigner = Readonly<{ privateKey: KeyObject; publicKey: KeyObject; keyId: string }>;

/** What is signed: canonical JSON of these fields (docs/audit.md). */
export type SignedCheckpointFields = Readonly<{
  position: string;
  eventCount: number;
  digest: string;
  createdAt: string;
  keyId: string;
}>;

const SIGNED_KIND = 'commerce-core/audit-checkpoint/v1';

export const signedBytes = (fields: SignedCheckpointFields): Buffer =>
  Buffer.from(
    canonicalJson({
      kind: SIGNED_KIND,
      position: fields.position,
      eventCount: fields.eventCount,
      digest: fields.digest,
      createdAt: fields.createdAt,
      keyId: fields.keyId,
    }),
    'utf8',
  );

export const publicKeyPem = (key: KeyObject): string =>
  key.export({ type: 'spki', format: 'pem' }).toString();

/** The first 16 hex digits of SHA-256 over the public key (SPKI DER): names the key in every checkpoint. */
export const keyIdOf = (publicKey: KeyObject): string =>
  createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);

const asPem = (text: string): string => text.trim().replaceAll('\\n', '\n');

/** AUDIT_SIGNING_KEY: an Ed25519 private key, PKCS#8 PEM (newlines may be written `\n`) or base64 DER. */
export const parseSigningKey = (text: string): CheckpointSigner => {
  let privateKey: KeyObject;
  try {
    privateKey = text.includes('-----BEGIN')
      ? createPrivateKey(asPem(text))
      : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new AuditError(
      'INVALID_KEY',
      `AUDIT_SIGNING_KEY is not a PKCS#8 private key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError(
      'INVALID_KEY',
      `AUDIT_SIGNING_KEY must be an Ed25519 key, got ${String(privateKey.asymmetricKeyType)}`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
};

/** A public key to verify with: SPKI PEM (newlines may be `\n`) or base64 DER. */
export const parsePublicKey = (text: string): KeyObject => {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPublicKey(asPem(text))
      : createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new AuditError(
      'INVALID_KEY',
      `not an SPKI public key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditError('INVALID_KEY', 'the public key must be Ed25519');
  return key;
};

export const generateSigningKey = (): Readonly<{
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}> => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKeyPem(publicKey),
    keyId: keyIdOf(publicKey),
  };
};

export const signCheckpoint = (signer: CheckpointSigner, fields: SignedCheckpointFields): string =>
  sign(null, signedBytes(fields), signer.privateKey).toString('base64');

export const signatureValid = (
  publicKey: KeyObject,
  fields: SignedCheckpointFields,
  signature: string,
): boolean => {
  try {
    return verify(null, signedBytes(fields), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
};

export type AuditKeys = Readonly<{ signer: CheckpointSigner | null; verifyKeys: readonly KeyObject[] }>;

/**
 * From the environment: AUDIT_SIGNING_KEY (to create checkpoints) and
 * AUDIT_PUBLIC_KEYS (comma-separated, extra keys trusted when verifying, e.g.
 * a rotated-out key). The signing key's own public key is always trusted.
 */
export const loadAuditKeys = (env: NodeJS.ProcessEnv = process.env): AuditKeys => {
  const signingText = env['AUDIT_SIGNING_KEY'];
  const signer = signingText === undefined || signingText === '' ? null : parseSigningKey(signingText);
  const extra = (env['AUDIT_PUBLIC_KEYS'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parsePublicKey);
  return { signer, verifyKeys: signer === null ? extra : [signer.publicKey, ...extra] };
};
