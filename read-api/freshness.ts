import type { Logger } from 'pino';
import { comparePositions, formatPosition } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import type { ProjectionStatus } from '../projections/read-models/status.ts';
import { apiError } from './errors.ts';
import { projectionHalted, projectionLagEvents, projectionLagSeconds } from './metrics.ts';

export type { ProjectionStatus } from '../projections/read-models/status.ts';

export type StatusReader = () => Promise<readonly ProjectionStatus[]>;
/** The active versions' checkpoints only: cheap enough to poll while a request waits. */
export type CheckpointReader = () => Promise<ReadonlyMap<string, LogPosition>>;

const POLL_MS = 10;
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The projections' status, re-read every `refreshMs` and shared by every
 * request: freshness headers and lag gauges read the cached copy.
 * Read-your-writes polls the checkpoints alone, one query in flight however
 * many requests wait.
 */
export class ProjectionStatusCache {
  readonly #readStatus: StatusReader;
  readonly #readCheckpoints: CheckpointReader;
  readonly #refreshMs: number;
  readonly #logger: Logger;
  #views: readonly ProjectionStatus[] = [];
  #checkpoints: ReadonlyMap<string, LogPosition> = new Map();
  #statusInFlight: Promise<readonly ProjectionStatus[]> | null = null;
  #checkpointsInFlight: Promise<ReadonlyMap<string, LogPosition>> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastFailureLogged = 0;
  readonly #listeners = new Set<(views: readonly ProjectionStatus[]) => void>();

  constructor(
    readers: Readonly<{ status: StatusReader; checkpoints: CheckpointReader }>,
    refreshMs: number,
    logger: Logger,
  ) {
    this.#readStatus = readers.status;
    this.#readCheckpoints = readers.checkpoints;
    this.#refreshMs = refreshMs;
    this.#logger = logger;
  }

  start(): void {
    if (this.#timer !== null) return;
    void this.refresh().catch(() => undefined);
    this.#timer = setInterval(() => {
      void this.refresh().catch(() => undefined);
    }, this.#refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Calls `listener` with every snapshot read from now on; returns the unsubscribe. */
  onRefresh(listener: (views: readonly ProjectionStatus[]) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The last snapshot read (empty before the first read). */
  get views(): readonly ProjectionStatus[] {
    return this.#views;
  }

  /** The version readers see through the views, from the last snapshot. */
  active(name: string): ProjectionStatus | undefined {
    return this.#views.find((v) => v.name === name && v.active);
  }

  #failed(error: unknown): never {
    const now = Date.now();
    if (now - this.#lastFailureLogged > FAILURE_LOG_INTERVAL_MS) {
      this.#lastFailureLogged = now;
      this.#logger.warn({ err: error }, 'reading the projection status failed');
    }
    throw error;
  }

  /** Reads the full status (with live lag) now; concurrent callers share one query. */
  refresh(): Promise<readonly ProjectionStatus[]> {
    this.#statusInFlight ??= this.#readStatus()
      .then((views) => {
        this.#views = views;
        const checkpoints = new Map(this.#checkpoints);
        for (const v of views) {
          if (!v.active) continue;
          this.#advance(checkpoints, v.name, v.checkpoint);
          projectionLagEvents.set({ projection: v.name }, v.lagEvents);
          projectionLagSeconds.set({ projection: v.name }, v.lagSeconds);
          projectionHalted.set({ projection: v.name }, v.state === 'halted' ? 1 : 0);
        }
        this.#checkpoints = checkpoints;
        for (const listener of this.#listeners) listener(views);
        return views;
      })
      .catch((error: unknown) => this.#failed(error))
      .finally(() => {
        this.#statusInFlight = null;
      });
    return this.#statusInFlight;
  }

  #advance(into: Map<string, LogPosition>, name: string, checkpoint: LogPosition): void {
    const known = into.get(name);
    // Never backwards: a slower query may answer after a faster, newer one.
    if (known === undefined || comparePositions(checkpoint, known) > 0) into.set(name, checkpoint);
  }

  #pollCheckpoints(): Promise<ReadonlyMap<string, LogPosition>> {
    this.#checkpointsInFlight ??= this.#readCheckpoints()
      .then((read) => {
        const checkpoints = new Map(this.#checkpoints);
        for (const [name, checkpoint] of read) this.#advance(checkpoints, name, checkpoint);
        this.#checkpoints = checkpoints;
        return checkpoints;
      })
      .catch((error: unknown) => this.#failed(error))
      .finally(() => {
        this.#checkpointsInFlight = null;
      });
    return this.#checkpointsInFlight;
  }

  /** The checkpoint readers of `name` are at least at, as last seen. */
  checkpoint(name: string): LogPosition | undefined {
    return this.#checkpoints.get(name);
  }

  #reached(name: string, position: LogPosition): boolean {
    const checkpoint = this.#checkpoints.get(name);
    return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
  }

  /**
   * Resolves once the active version of `name` has a checkpoint at or past
   * `position`; else, after `timeoutMs`, a 503 `projection-behind` with
   * `Retry-After` (at once `projection-halted` when it cannot get there).
   */
  async waitFor(name: string, position: LogPosition, timeoutMs: number): Promise<void> {
    if (this.#reached(name, position)) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#pollCheckpoints();
      if (this.#reached(name, position)) return;
      if (this.active(name)?.state === 'halted') {
        throw apiError(
          'projection-halted',
          `The ${name} projection is halted before ${formatPosition(position)}; an operator must act.`,
          { 'retry-after': '30' },
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
    const at = this.#checkpoints.get(name);
    throw apiError(
      'projection-behind',
      `The ${name} projection has not reached ${formatPosition(position)} yet` +
        (at === undefined ? '.' : ` (it is at ${formatPosition(at)}).`),
      { 'retry-after': retryAfterSeconds(this.active(name)) },
    );
  }
}

/** A guess a client can act on: the projection's lag in seconds, at least 1. */
const retryAfterSeconds = (v: ProjectionStatus | undefined): string =>
  String(Math.min(60, Math.max(1, Math.ceil(v?.lagSeconds ?? 1))));

/**
 * `Cache-Control` from how fresh the projection is: a caught-up projection's
 * answer can be reused for `maxAgeS`; one that lags, is halted or unknown must
 * be revalidated every time (cheap with the ETag), so a client sees progress
 * the moment it lands. Always `private`: answers depend on the API key.
 */
export const cacheControlFor = (view: ProjectionStatus | undefined, maxAgeS: number): string =>
  view?.state === 'running' && view.lagEvents === 0 && maxAgeS > 0
    ? `private, max-age=${maxAgeS}`
    : 'private, no-cache';
