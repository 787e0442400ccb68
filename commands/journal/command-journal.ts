import type pg from 'pg';
import type { Queryable } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { Reply } from '../envelope.ts';

export type JournalEntry = Readonly<{
  commandId: string;
  fingerprint: string;
  streamId: string;
  reply: Reply;
}>;

/** Remembers each command id's first reply (Postgres, next to the event store). */
export class CommandJournal {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #chainFunction: string;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#table = `"${schema}".command_results`;
    this.#chainFunction = `"${schema}".command_stream_chain`;
  }

  /**
   * The qualified function a batch statement calls before appending: it locks
   * the streams and checks the heads pipelined writes were decided on
   * (see the migration `2026-11-23T1400-stream-chain`).
   */
  get chainFunction(): string {
    return this.#chainFunction;
  }

  /** The qualified table, for a caller that writes journal rows within a statement of its own. */
  get table(): string {
    return this.#table;
  }

  async find(commandIds: readonly string[]): Promise<ReadonlyMap<string, JournalEntry>> {
    if (commandIds.length === 0) return new Map();
    const { rows } = await this.#pool.query<{
      command_id: string;
      fingerprint: string;
      stream_id: string;
      reply: Reply;
    }>(
      `select command_id, fingerprint, stream_id, reply from ${this.#table} where command_id = any($1::text[])`,
      [commandIds],
    );
    return new Map(
      rows.map((r) => [
        r.command_id,
        { commandId: r.command_id, fingerprint: r.fingerprint, streamId: r.stream_id, reply: r.reply },
      ]),
    );
  }

  /**
   * Records replies through `db` (inside the append's transaction for accepted
   * commands). An id recorded meanwhile by another process keeps its first reply.
   * Returns the ids this call actually recorded.
   */
  async record(db: Queryable, entries: readonly JournalEntry[]): Promise<ReadonlySet<string>> {
    if (entries.length === 0) return new Set();
    const { rows } = await db.query<{ command_id: string }>(
      `insert into ${this.#table} (command_id, fingerprint, stream_id, reply)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::json[])
       on conflict (command_id) do nothing
       returning command_id`,
      [
        entries.map((e) => e.commandId),
        entries.map((e) => e.fingerprint),
        entries.map((e) => e.streamId),
        entries.map((e) => JSON.stringify(e.reply)),
      ],
    );
    return new Set(rows.map((r) => r.command_id));
  }
}
