import type { JsonValue } from '../infra/event-store/port.ts';

/**
 * What a service sends, on subject `commerce.v1.cmd.<aggregate>.<action>`:
 * `{ "commandId": "...", "data": {...}, "metadata": { "correlationId", "causationId", "actor" } }`.
 */
export type CommandEnvelope = Readonly<{
  /** The command's name, from the subject: `inventory.reserve`. */
  name: string;
  commandId: string;
  data: JsonValue;
  metadata: CommandMetadata;
  /** When the gateway received it: the default "now" for commands whose data carries no time. Not part of the command's identity. */
  receivedAt: string;
}>;

export type CommandMetadata = Readonly<{
  correlationId: string | null;
  causationId: string | null;
  actor: string | null;
}>;

export type AcceptedReply = Readonly<{
  status: 'accepted';
  commandId: string;
  streamId: string;
  /** The stream's revision after this command (unchanged for an idempotent no-op). */
  revision: number;
  /** A log position at or after this command's events, as "commit:prepare"; wait for it to read your writes. */
  position: string | null;
  events: readonly Readonly<{ eventId: string; type: string; revision: number }>[];
}>;

export type RefusedReply = Readonly<{
  status: 'refused';
  commandId: string | null;
  code: string;
  message: string;
  details?: JsonValue;
}>;

export type Reply = AcceptedReply | RefusedReply;

/**
 * Codes the command side itself gives; domain refusals carry the aggregate's
 * own codes (docs/domain.md). Stable: callers branch on them.
 */
export type GatewayErrorCode =
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_ENVELOPE'
  | 'VALIDATION_FAILED'
  | 'UNKNOWN_COMMAND'
  | 'COMMAND_ID_REUSED'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'INTERNAL_ERROR';

export const refused = (
  commandId: string | null,
  code: GatewayErrorCode | (string & {}),
  message: string,
  details?: JsonValue,
): RefusedReply =>
  details === undefined
    ? { status: 'refused', commandId, code, message }
    : { status: 'refused', commandId, code, message, details };
