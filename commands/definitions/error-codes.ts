/**
 * Every code a refused reply can carry: the command side's own, and each
 * aggregate's domain codes (docs/commands.md lists them; callers branch on them).
 */
import { INVENTORY_ERROR_CODES } from '../../domain/inventory/index.ts';
import { LISTING_ERROR_CODES } from '../../domain/listing/index.ts';
import { ORDER_ERROR_CODES } from '../../domain/order/index.ts';
import { PAYMENT_ERROR_CODES } from '../../domain/payment/index.ts';
import { SELLER_ACCOUNT_ERROR_CODES } from '../../domain/seller-account/index.ts';
import type { GatewayErrorCode } from '../envelope.ts';

/** What each gateway code means and what the caller should do about it. */
export const GATEWAY_ERROR_CODES: Readonly<Record<GatewayErrorCode, string>> = {
  MALFORMED_JSON: 'The payload is not UTF-8 JSON. Fix the request; nothing was written.',
  PAYLOAD_TOO_LARGE: 'The payload is over 64 KiB. Nothing was written.',
  INVALID_ENVELOPE:
    'The JSON is not `{ commandId, data, metadata? }` (or `commandId` is not a valid id). `details` lists the problems.',
  VALIDATION_FAILED:
    "`data` does not match the command's schema (wrong type, unknown field, out of range, ...). `details` lists up to 10 problems as `{ path, message }`.",
  UNKNOWN_COMMAND: 'No command has the name taken from the subject.',
  COMMAND_ID_REUSED:
    'This command id was already used for a different command (another name or other data). Use a new id for a new command.',
  CONFLICT:
    'The stream kept changing under concurrent writers beyond the retry budget. Nothing was written: retry with the same command id.',
  UNAVAILABLE:
    'The event store could not be reached or failed. Whether the command was applied is unknown: retry with the same command id (it is idempotent).',
  INTERNAL_ERROR:
    'A bug in the handler. Nothing was written and the refusal is not remembered: a retry with the same command id is handled afresh.',
};

/** By stream category. */
export const DOMAIN_ERROR_CODES: Readonly<Record<string, readonly string[]>> = {
  listing: LISTING_ERROR_CODES,
  inventory: INVENTORY_ERROR_CODES,
  order: ORDER_ERROR_CODES,
  payment: PAYMENT_ERROR_CODES,
  seller: SELLER_ACCOUNT_ERROR_CODES,
};
