import { randomBytes } from 'node:crypto';
import { parseApiKeys } from './auth.ts';
import type { ApiKey } from './auth.ts';

/**
 * What the read API needs beyond the shared `Config`, read from the
 * environment once at the process edge (scripts/roles/api.ts) and validated.
 */
export type ReadApiSettings = Readonly<{
  /** From `API_KEYS`; none are built in, so an empty list means every data route answers 401. */
  apiKeys: readonly ApiKey[];
  /** HMAC key of pagination cursors. Unset: random per process (cursors do not survive a restart). */
  cursorSecret: Buffer;
  cursorSecretFromConfig: boolean;
  /** Requests per key per minute (`RATE_LIMIT_PER_MINUTE`). */
  rateLimitPerMinute: number;
  /** Largest request body in bytes (`BODY_LIMIT_BYTES`); the API takes no bodies, so it is small. */
  bodyLimitBytes: number;
  /** Postgres statement_timeout of the API's own pool (`QUERY_TIMEOUT_MS`). */
  queryTimeoutMs: number;
  /** How long a read waits for a projection to reach `minPosition` (`MIN_POSITION_WAIT_MS`). */
  minPositionWaitMs: number;
  /** `max-age` of a response from a projection that is caught up (`CACHE_MAX_AGE_S`). */
  cacheMaxAgeS: number;
  /** How often the projection status is re-read for freshness, lag gauges and readiness. */
  statusRefreshMs: number;
  /**
   * Listings `GET /listings/:id` keeps answered in memory (`LISTING_CACHE_MAX_ENTRIES`; the
   * least recently read go first; 0 turns the cache off). Under 1 kB each; warmed at start.
   */
  listingCacheMaxEntries: number;
}>;

export class ReadApiSettingsError extends Error {
  override readonly name = 'ReadApiSettingsError';
}

const integer = (
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ReadApiSettingsError(`${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return n;
};

export const DEFAULT_SETTINGS = {
  rateLimitPerMinute: 6000,
  bodyLimitBytes: 16 * 1024,
  queryTimeoutMs: 2000,
  minPositionWaitMs: 2000,
  cacheMaxAgeS: 1,
  statusRefreshMs: 250,
  listingCacheMaxEntries: 100_000,
} as const;

export const loadReadApiSettings = (env: NodeJS.ProcessEnv = process.env): ReadApiSettings => {
  let apiKeys: readonly ApiKey[];
  try {
    apiKeys = parseApiKeys(env['API_KEYS'] ?? '');
  } catch (error) {
    throw new ReadApiSettingsError(`API_KEYS: ${error instanceof Error ? error.message : String(error)}`);
  }
  const secret = env['CURSOR_SECRET'];
  if (secret !== undefined && secret !== '' && secret.length < 16) {
    throw new ReadApiSettingsError('CURSOR_SECRET must be at least 16 characters');
  }
  const fromConfig = secret !== undefined && secret !== '';
  return {
    apiKeys,
    cursorSecret: fromConfig ? Buffer.from(secret, 'utf8') : randomBytes(32),
    cursorSecretFromConfig: fromConfig,
    rateLimitPerMinute: integer(
      env,
      'RATE_LIMIT_PER_MINUTE',
      DEFAULT_SETTINGS.rateLimitPerMinute,
      1,
      10_000_000,
    ),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', DEFAULT_SETTINGS.bodyLimitBytes, 0, 10 * 1024 * 1024),
    queryTimeoutMs: integer(env, 'QUERY_TIMEOUT_MS', DEFAULT_SETTINGS.queryTimeoutMs, 1, 600_000),
    minPositionWaitMs: integer(env, 'MIN_POSITION_WAIT_MS', DEFAULT_SETTINGS.minPositionWaitMs, 0, 60_000),
    cacheMaxAgeS: integer(env, 'CACHE_MAX_AGE_S', DEFAULT_SETTINGS.cacheMaxAgeS, 0, 3600),
    statusRefreshMs: integer(env, 'STATUS_REFRESH_MS', DEFAULT_SETTINGS.statusRefreshMs, 10, 60_000),
    listingCacheMaxEntries: integer(
      env,
      'LISTING_CACHE_MAX_ENTRIES',
      DEFAULT_SETTINGS.listingCacheMaxEntries,
      0,
      10_000_000,
    ),
  };
};
