import type pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { JsonValue } from '../../infra/event-store/port.ts';
import type { Reply } from '../envelope.ts';

/** A command to send when `dueAt` passes. Its id is the timer id, so a timer fired twice acts once. */
export type TimerRequest = Readonly<{
  timerId: string;
  dueAt: string;
  commandName: string;
  data: JsonValue;
  correlationId: string | null;
  causationId: string | null;
}>;

export type SendCommand = (name: string, body: JsonValue) => Promise<Reply>;

export class DurableTimers {
  readonly #table: string;

  constructor(schema: string) {
    this.#table = `"${schema}".timers`;
  }

  /** Idempotent: scheduling the same timer id again changes nothing. */
  async schedule(db: Queryable, timers: readonly TimerRequest[]): Promise<void> {
    if (timers.length === 0) return;
    await db.query(
      `insert into ${this.#table} (timer_id, due_at, command_name, command)
       select * from unnest($1::text[], $2::timestamptz[], $3::text[], $4::jsonb[])
       on conflict (timer_id) do nothing`,
      [
        timers.map((t) => t.timerId),
        timers.map((t) => t.dueAt),
        timers.map((t) => t.commandName),
        timers.map((t) =>
          JSON.stringify({
            commandId: t.timerId,
            data: t.data,
            metadata: {
              ...(t.correlationId === null ? {} : { correlationId: t.correlationId }),
              ...(t.causationId === null ? {} : { causationId: t.causationId }),
              actor: 'system:timer',
            },
          }),
        ),
      ],
    );
  }

  /**
   * Marks unfired timers cancelled. The row stays, so scheduling the same id
   * again (a saga replaying the event that set it) does not bring it back.
   */
  async cancel(db: Queryable, timerIds: readonly string[]): Promise<void> {
    await db.query(
      `update ${this.#table} set cancelled_at = now()
        where timer_id = any($1::text[]) and fired_at is null and cancelled_at is null`,
      [timerIds],
    );
  }

  async pending(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from ${this.#table} where fired_at is null and cancelled_at is null`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Fires what is due, once: rows are claimed with `for update skip locked`, so
   * several workers share the work and none fires a timer another holds; a
   * timer is marked fired in the same transaction, after its command was
   * answered. A crash before the commit leaves it due, and the retry is
   * harmless because the command id is the timer id.
   */
  async fireDue(pool: pg.Pool, send: SendCommand, now: Date, logger: Logger, limit = 100): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ timer_id: string; command_name: string; command: JsonValue }>(
        `select timer_id, command_name, command from ${this.#table}
          where fired_at is null and cancelled_at is null and due_at <= $1
          order by due_at limit $2 for update skip locked`,
        [now.toISOString(), limit],
      );
      for (const row of rows) {
        const reply = await send(row.command_name, row.command);
        if (
          reply.status === 'refused' &&
          (reply.code === 'UNAVAILABLE' || reply.code === 'CONFLICT' || reply.code === 'INTERNAL_ERROR')
        ) {
          await client.query(
            `update ${this.#table} set attempts = attempts + 1, last_error = $2 where timer_id = $1`,
            [row.timer_id, reply.code],
          );
          logger.warn({ timerId: row.timer_id, code: reply.code }, 'timer command not handled; will retry');
          continue;
        }
        // A domain refusal (say, the order was paid just before its deadline) is a final answer.
        await client.query(
          `update ${this.#table} set fired_at = $2, attempts = attempts + 1 where timer_id = $1`,
          [row.timer_id, now.toISOString()],
        );
      }
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Polls for due timers until aborted. */
export const runTimerWorker = async (
  options: Readonly<{
    pool: pg.Pool;
    timers: DurableTimers;
    send: SendCommand;
    logger: Logger;
    clock?: () => Date;
    pollMs?: number;
    signal: AbortSignal;
  }>,
): Promise<void> => {
  const clock = options.clock ?? (() => new Date());
  while (!options.signal.aborted) {
    let fired = 0;
    try {
      fired = await options.timers.fireDue(options.pool, options.send, clock(), options.logger);
    } catch (error) {
      options.logger.error({ err: error }, 'timer worker failed; retrying');
    }
    if (fired === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs ?? 250);
        options.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
};
