/**
 * Schema pieces every command definition shares. They mirror the domain's own
 * types (checked below at compile time) so a schema's static type maps onto
 * the domain command without casts.
 */
import { Type } from 'typebox';
import type { Static, TObject, TProperties, TSchema, TString } from 'typebox';
import type { FeeSchedule as DomainFeeSchedule } from '../../domain/fees/index.ts';
import type { CurrencyCode, Money as DomainMoney } from '../../domain/shared/index.ts';

/**
 * An id that is also a valid stream id suffix (`<category>-<id>`, see
 * `infra/event-store/validation.ts`): a letter or digit, then up to 99 of
 * letters, digits and `_.:@-`.
 */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$';

/** ISO-8601 UTC, as the domain's `isInstant` reads it (`2025-03-01T12:00:00Z`, up to 9 fraction digits). */
export const INSTANT_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?Z$';

/**
 * Free text that survives jsonb: no NUL, no unpaired surrogate (either would
 * fail at the event store; refused here instead, before anything is written).
 */
export const TEXT_PATTERN = '^(?:[^\\u0000\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$';

export const MAX_QUANTITY = 1_000_000;
/** Windows (completion, return) are policy: at most a year. */
export const MAX_WINDOW_MILLIS = 366 * 24 * 60 * 60 * 1000;

/** An object that refuses unknown fields: every command's data and every nested object. */
export const Struct = <Properties extends TProperties>(properties: Properties): TObject<Properties> =>
  Type.Object(properties, { additionalProperties: false });

export const Id = Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN });

export const Instant = Type.String({ pattern: INSTANT_PATTERN });

/** `at` ("now" for the domain): optional; the gateway's receive time when absent. */
export const At = Type.Optional(Instant);

export const Text = (maxLength: number): TString =>
  Type.String({ minLength: 1, maxLength, pattern: TEXT_PATTERN });

/** The codes of `CURRENCY_EXPONENTS` (domain/shared/money.ts); a unit test keeps the two equal. */
export const Currency = Type.Union([
  Type.Literal('EUR'),
  Type.Literal('USD'),
  Type.Literal('GBP'),
  Type.Literal('PLN'),
  Type.Literal('CZK'),
  Type.Literal('SEK'),
  Type.Literal('DKK'),
  Type.Literal('CHF'),
  Type.Literal('HUF'),
  Type.Literal('RON'),
  Type.Literal('JPY'),
  Type.Literal('KRW'),
  Type.Literal('BHD'),
  Type.Literal('KWD'),
]);

/** A whole, non-negative number of minor units that JSON and arithmetic keep exact. */
export const MinorUnits = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY });

export const WindowMillis = Type.Integer({ minimum: 0, maximum: MAX_WINDOW_MILLIS });

export const Money = Struct({ amount: MinorUnits, currency: Currency });

/** The marketplace fee schedule, snapshotted on the order (domain/fees). */
export const FeeSchedule = Struct({
  id: Id,
  rateBasisPoints: Type.Integer({ minimum: 0, maximum: 10_000 }),
  fixedMinor: MinorUnits,
  currency: Currency,
  rounding: Type.Union([Type.Literal('half-even'), Type.Literal('half-up')]),
});

// --- compile-time proof that the shared pieces are exactly the domain's types --------------

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the standard exact-equality trick needs T twice in distinct signatures
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type CurrencyMatchesDomain = Assert<Equals<Static<typeof Currency>, CurrencyCode>>;
export type MoneyMatchesDomain = Assert<Equals<Static<typeof Money>, Mutable<DomainMoney>>>;
export type FeeScheduleMatchesDomain = Assert<Equals<Static<typeof FeeSchedule>, Mutable<DomainFeeSchedule>>>;

/** The literal values of a union of literals, for tests and docs. */
export const literalsOf = (schema: TSchema): readonly unknown[] =>
  'anyOf' in schema && Array.isArray(schema.anyOf)
    ? (schema.anyOf as readonly TSchema[]).map((s) => ('const' in s ? s.const : undefined))
    : [];
