import { parseFeeSchedules } from './fee-schedules.ts';
import type { FeeSchedules } from './fee-schedules.ts';

/**
 * Configuration comes from the environment, read once at the process edge and
 * validated; everything below receives a typed `Config`.
 */
export type Config = Readonly<{
  /** Unset means: launch the embedded Postgres under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  host: string;
  natsUrl: string;
  logLevel: string;
  /** Postgres schema of the event store, so it can share a database. */
  eventStoreSchema: string;
  /** READ_MODEL_SCHEMA: Postgres schema of the read models and projection status (default `rm`). */
  readModelSchema: string;
  /** NATS subjects, queue group and JetStream stream of the command side (docs/sagas.md). */
  messaging: MessagingConfig;
  /** Deadlines the process managers set, in milliseconds (read from ISO-8601 durations). */
  windows: WindowsConfig;
  /** FEE_SCHEDULES: the fee schedule in force per currency (infra/fee-schedules.ts; default 10 %, `standard-2026`). */
  feeSchedules: FeeSchedules;
}>;

export type MessagingConfig = Readonly<{
  /** COMMAND_SUBJECT_PREFIX: commands are requested on `<prefix>.<name>`. */
  commandSubjectPrefix: string;
  /** COMMAND_QUEUE_GROUP: handler processes sharing the commands. */
  commandQueueGroup: string;
  /** EVENT_SUBJECT_PREFIX: the relay publishes on `<prefix>.<category>.<EventType>`. */
  eventSubjectPrefix: string;
  /** EVENT_STREAM: the JetStream stream the relay publishes into. */
  eventStream: string;
}>;

export type WindowsConfig = Readonly<{
  /** PAYMENT_WINDOW: from placement to the payment deadline (default PT30M). */
  paymentMs: number;
  /** SHIP_BY_WINDOW: from payment to the ship-by deadline (default P5D). */
  shipByMs: number;
  /** CANCELLATION_ANSWER_WINDOW: the seller's time to answer a cancellation request (default P2D). */
  cancellationAnswerMs: number;
  /** AUTO_COMPLETE_WINDOW: from delivery to automatic completion (default P7D). */
  autoCompleteMs: number;
  /** RETURN_WINDOW: from delivery, how long the buyer may ask to return the order (default P14D). */
  returnMs: number;
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * An ISO-8601 duration of days, hours, minutes and seconds (`P7D`, `PT30M`,
 * `P1DT12H`, `PT0.5S`), in milliseconds. Years, months and weeks are refused:
 * their length in milliseconds depends on the calendar.
 */
export const parseIsoDuration = (text: string): number | null => {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return null;
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000);
  return Number.isSafeInteger(ms) ? ms : null;
};

const duration = (value: string | undefined, fallback: string, name: string): number => {
  const text = value === undefined || value === '' ? fallback : value;
  const ms = parseIsoDuration(text);
  if (ms === null || ms <= 0)
    throw new ConfigError(`${name} must be a positive ISO-8601 duration such as PT30M or P7D, got "${text}"`);
  return ms;
};

const subject = (value: string | undefined, fallback: string, name: string): string => {
  const text = value === undefined || value === '' ? fallback : value;
  if (!SUBJECT.test(text))
    throw new ConfigError(`${name} must be dot-separated NATS tokens without wildcards, got "${text}"`);
  return text;
};

const streamName = (value: string | undefined, fallback: string): string => {
  const text = value === undefined || value === '' ? fallback : value;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text))
    throw new ConfigError(`EVENT_STREAM must be letters, digits, _ and -, got "${text}"`);
  return text;
};

const port = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${name} must be a port number, got "${value}"`);
  return n;
};

const schemaName = (value: string | undefined, fallback: string, name: string): string => {
  const schema = value ?? fallback;
  if (!SCHEMA_NAME.test(schema))
    throw new ConfigError(`${name} must be a lower-case SQL identifier, got "${schema}"`);
  return schema;
};

const feeSchedules = (value: string | undefined): FeeSchedules => {
  const parsed = parseFeeSchedules(value);
  if (!parsed.ok) throw new ConfigError(parsed.message);
  return parsed.schedules;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const eventStoreSchema = env['EVENT_STORE_SCHEMA'] ?? 'es';
  if (!SCHEMA_NAME.test(eventStoreSchema)) {
    throw new ConfigError(
      `EVENT_STORE_SCHEMA must be a lower-case SQL identifier, got "${eventStoreSchema}"`,
    );
  }
  return {
    databaseUrl: env['DATABASE_URL'] !== undefined && env['DATABASE_URL'] !== '' ? env['DATABASE_URL'] : null,
    dataDir: env['DATA_DIR'] ?? 'data',
    port: port(env['PORT'], 3000, 'PORT'),
    host: env['HOST'] ?? '0.0.0.0',
    natsUrl: env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    logLevel: env['LOG_LEVEL'] ?? 'info',
    eventStoreSchema,
    readModelSchema: schemaName(env['READ_MODEL_SCHEMA'], 'rm', 'READ_MODEL_SCHEMA'),
    messaging: {
      commandSubjectPrefix: subject(
        env['COMMAND_SUBJECT_PREFIX'],
        'commerce.v1.cmd',
        'COMMAND_SUBJECT_PREFIX',
      ),
      commandQueueGroup: subject(env['COMMAND_QUEUE_GROUP'], 'commerce-commands', 'COMMAND_QUEUE_GROUP'),
      eventSubjectPrefix: subject(env['EVENT_SUBJECT_PREFIX'], 'commerce.v1.evt', 'EVENT_SUBJECT_PREFIX'),
      eventStream: streamName(env['EVENT_STREAM'], 'COMMERCE_EVENTS'),
    },
    windows: {
      paymentMs: duration(env['PAYMENT_WINDOW'], 'PT30M', 'PAYMENT_WINDOW'),
      shipByMs: duration(env['SHIP_BY_WINDOW'], 'P5D', 'SHIP_BY_WINDOW'),
      cancellationAnswerMs: duration(env['CANCELLATION_ANSWER_WINDOW'], 'P2D', 'CANCELLATION_ANSWER_WINDOW'),
      autoCompleteMs: duration(env['AUTO_COMPLETE_WINDOW'], 'P7D', 'AUTO_COMPLETE_WINDOW'),
      returnMs: duration(env['RETURN_WINDOW'], 'P14D', 'RETURN_WINDOW'),
    },
    feeSchedules: feeSchedules(env['FEE_SCHEDULES']),
  };
};
