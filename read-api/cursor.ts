import { createHmac, timingSafeEqual } from 'node:crypto';
import { apiError } from './errors.ts';

/**
 * Opaque pagination cursors: the sort key of the last row of a page, signed
 * with HMAC-SHA256 together with the query it belongs to. A cursor cannot be
 * forged or edited, and one from another query (other filters, other sort,
 * another buyer) is refused, so keyset pagination only ever moves through
 * rows the same query would return.
 */
export type CursorValue = string | number;

const MAX_CURSOR_LENGTH = 512;
const MAC_BYTES = 16;
const CURSOR_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const mac = (secret: Buffer, context: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(context).update('\n').update(payload).digest().subarray(0, MAC_BYTES);

export const encodeCursor = (secret: Buffer, context: string, values: readonly CursorValue[]): string => {
  const payload = Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, context, payload).toString('base64url')}`;
};

/**
 * The values of a cursor made by `encodeCursor` for the same `context`, or a
 * 400 `invalid-cursor`. `shape` lists each value's type, checked after the
 * signature (a valid signature over the wrong shape is a bug, still a 400).
 */
export const decodeCursor = (
  secret: Buffer,
  context: string,
  text: string,
  shape: readonly ('string' | 'number')[],
): CursorValue[] => {
  const invalid = apiError('invalid-cursor', 'The cursor is malformed, tampered with or from another query.');
  if (text.length > MAX_CURSOR_LENGTH || !CURSOR_TEXT.test(text)) throw invalid;
  const [payload = '', signature = ''] = text.split('.');
  // Compared as text: base64 has several spellings of the same bytes, and a cursor has exactly one.
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(mac(secret, context, payload).toString('base64url'), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(values) || values.length !== shape.length) throw invalid;
  const checked = values.map((v: unknown, i): CursorValue => {
    if (shape[i] === 'number' && typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (shape[i] === 'string' && typeof v === 'string') return v;
    throw invalid;
  });
  return checked;
};
