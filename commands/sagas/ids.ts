import { createHash } from 'node:crypto';

/** What a command's ids may be (commands/definitions/schemas.ts `Id`): ≤ 100 of `[A-Za-z0-9_.:@-]`. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;

/**
 * Parts joined with `:`, readable in the log; when that is not a valid id
 * (too long), a digest of it instead. Deterministic either way, which is
 * what makes a replayed saga step find its first answer.
 */
export const boundedId = (...parts: readonly string[]): string => {
  const joined = parts.join(':');
  return ID.test(joined) ? joined : `h:${createHash('sha256').update(joined).digest('base64url')}`;
};

/** One reservation per (order, SKU): every line of that SKU reserves in one command. */
export const reservationIdOf = (orderId: string, sku: string): string => boundedId(orderId, sku);

/** The refund of a cancelled order's capture. */
export const cancellationRefundId = (orderId: string): string => boundedId(orderId, 'cancel-refund');

/** The refund of a returned order's capture. */
export const returnRefundId = (orderId: string): string => boundedId(orderId, 'return-refund');

/** The refund of a capture the order could not take (one per PaymentCaptured event). */
export const unpayableRefundId = (captureEventId: string): string => boundedId('auto-refund', captureEventId);
