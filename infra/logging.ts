import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export type LoggerOptions = Readonly<{
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Names the process in every line, e.g. the role. */
  name?: string;
}>;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class LoggingConfigError extends Error {
  override readonly name = 'LoggingConfigError';
}

/**
 * One JSON line per event on stdout (pino's default), so the output can be
 * piped to `pino-pretty` on a laptop and shipped as is in production.
 */
export const createLogger = (options: LoggerOptions): Logger => {
  if (!LEVELS.has(options.level)) {
    throw new LoggingConfigError(
      `LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got "${options.level}"`,
    );
  }
  return pino({
    level: options.level,
    ...(options.name === undefined ? {} : { name: options.name }),
    // Keeps credentials out of the logs wherever a connection string is logged by mistake.
    redact: { paths: ['connectionString', 'password', '*.password'], censor: '[redacted]' },
  });
};
