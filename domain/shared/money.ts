/**
 * Money is an integer number of minor units with an ISO 4217 currency.
 * Never a float: amounts are validated as safe integers at every boundary.
 */
export const CURRENCY_EXPONENTS = {
  EUR: 2,
  USD: 2,
  GBP: 2,
  PLN: 2,
  CZK: 2,
  SEK: 2,
  DKK: 2,
  CHF: 2,
  HUF: 2,
  RON: 2,
  JPY: 0,
  KRW: 0,
  BHD: 3,
  KWD: 3,
} as const satisfies Record<string, number>;

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

export type Money = Readonly<{ amount: number; currency: CurrencyCode }>;

export const isCurrencyCode = (code: string): code is CurrencyCode => Object.hasOwn(CURRENCY_EXPONENTS, code);

export const currencyExponent = (currency: CurrencyCode): number => CURRENCY_EXPONENTS[currency];

/** A whole, non-negative number of minor units that survives JSON and arithmetic exactly. */
export const isMinorUnits = (amount: unknown): amount is number =>
  typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0;

export const isPositiveQuantity = (quantity: unknown): quantity is number =>
  typeof quantity === 'number' && Number.isSafeInteger(quantity) && quantity > 0;

export const money = (amount: number, currency: CurrencyCode): Money => ({ amount, currency });

export const zero = (currency: CurrencyCode): Money => ({ amount: 0, currency });
