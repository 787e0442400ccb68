import { Type } from 'typebox';
import type { TProperties } from 'typebox';
import { toSafeInteger } from '../infra/postgres/database.ts';

/**
 * Schemas shared by the routes. Ids are opaque text from the command side;
 * the pattern keeps anything that could not be an id (spaces, control
 * characters, slashes, 10 kB of junk) out at the edge with a 400.
 */
export const ID_PATTERN = '^[A-Za-z0-9_.:@-]{1,128}$';
export const Id = Type.String({ pattern: ID_PATTERN, maxLength: 128, description: 'An opaque identifier.' });

export const Instant = Type.String({ format: 'date-time', description: 'ISO 8601, UTC.' });
export const NullableInstant = Type.Union([Instant, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const Minor = Type.Integer({ description: 'Integer minor units of `currency` (cents for EUR).' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code.' });

/** The read-your-writes position a command reply carried, `"<commit>:<prepare>"`. */
export const MinPosition = Type.String({
  maxLength: 40,
  description:
    'Read your writes: the log position a command reply carried ("<commit>:<prepare>"). The API ' +
    'waits a bounded time for the projection to reach it, else answers 503 projection-behind.',
});

export const PageSize = Type.Integer({
  minimum: 1,
  maximum: 100,
  default: 20,
  description: 'Items per page.',
});
export const Cursor = Type.String({
  maxLength: 512,
  description: 'Opaque: the `nextCursor` of the previous page of the same query.',
});
export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last page.',
});

/** Every data route's querystring: its own parameters plus `minPosition`, nothing else. */
export const Query = <P extends TProperties>(properties: P) =>
  Type.Object({ ...properties, minPosition: Type.Optional(MinPosition) }, { additionalProperties: false });

export const ReadHeaders = Type.Object({
  'x-min-position': Type.Optional(MinPosition),
});

export const Params = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

/** int8 columns arrive as decimal strings; the API answers numbers, exact below 2^53. */
export const int = (value: string, what: string): number => toSafeInteger(value, what);

export const iso = (value: Date): string => value.toISOString();
export const isoOrNull = (value: Date | null): string | null => (value === null ? null : value.toISOString());
