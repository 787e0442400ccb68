/**
 * Instants are ISO 8601 UTC strings in events and commands (readable in the
 * log, sortable as text when normalised). The domain never reads the clock:
 * "now" arrives in the command.
 */
export type Instant = string;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export const isInstant = (value: unknown): value is Instant =>
  typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));

export const toMillis = (instant: Instant): number => Date.parse(instant);

export const isBefore = (a: Instant, b: Instant): boolean => toMillis(a) < toMillis(b);

export const addMillis = (instant: Instant, millis: number): Instant =>
  new Date(toMillis(instant) + millis).toISOString();
