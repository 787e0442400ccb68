/** Bad input or misuse of the audit tools, with a stable code (docs/audit.md). */
export type AuditErrorCode =
  | 'INVALID_STREAM_ID'
  | 'INVALID_CATEGORY'
  | 'UNKNOWN_CATEGORY'
  | 'INVALID_AS_OF'
  | 'INVALID_RANGE'
  | 'FOLD_FAILED'
  | 'NO_SIGNING_KEY'
  | 'INVALID_KEY'
  | 'EMPTY_LOG'
  | 'CHECKPOINT_NOT_FOUND'
  | 'INVALID_CHECKPOINT'
  | 'UNKNOWN_PROJECTION';

export class AuditError extends Error {
  override readonly name = 'AuditError';
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
