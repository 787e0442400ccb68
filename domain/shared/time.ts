/**
 * Instants are ISO 8601 UTC strings in events and commands (readable in the
 * log, sortable as text when normalised). The domain never reads the clock:
 * "now" arrives in the command.
 */
export type Instant = string;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * A real UTC instant in the ISO 8601 form above. The parser alone is lenient
 * (it reads `2025-02-30T00:00:00Z` as 2 March and `T24:00:00Z` as the next
 * day), so the date and time must also survive a round trip unchanged: an
 * impossible calendar date is bad input, not a silently different instant.
 */
export const isInstant = (value: unknown): value is Instant => {
  if (typeof value !== 'string' || !ISO_UTC.test(value)) return false;
  const millis = Date.parse(value);
  return !Number.isNaN(millis) && new Date(millis).toISOString().slice(0, 19) === value.slice(0, 19);
};

export const toMillis = (instant: Instant): number => Date.parse(instant);

export const isBefore = (a: Instant, b: Instant): boolean => toMillis(a) < toMillis(b);

export const addMillis = (instant: Instant, millis: number): Instant =>
  new Date(toMillis(instant) + millis).toISOString();
