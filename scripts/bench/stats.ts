import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import type { BenchResult } from './types.ts';

export type LatencySummary = Readonly<{ count: number; p50Ms: number; p99Ms: number; maxMs: number }>;

/** Latencies in nanoseconds in an HDR histogram (3 significant digits), reported in ms. */
export class LatencyRecorder {
  readonly #histogram: RecordableHistogram = createHistogram();

  /** `ns`: elapsed nanoseconds (a bigint from `process.hrtime.bigint()` differences, or a number). */
  record(ns: bigint | number): void {
    const value = typeof ns === 'bigint' ? ns : BigInt(Math.round(ns));
    this.#histogram.record(value > 0n ? value : 1n);
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const count = h.count;
    const ms = (ns: number): number => (count === 0 ? 0 : ns / 1e6);
    return { count, p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
  }
}

/** Rounds to `digits` significant digits (keeps integers ≥ 10^digits whole). */
export const round = (value: number, digits = 4): number => {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return Number(value.toFixed(Math.min(decimals, 6)));
};

const roundDeep = (value: unknown): unknown => {
  if (typeof value === 'number') return Number.isInteger(value) ? value : round(value);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]));
  }
  return value;
};

const LEADING = ['scenario', 'unit', 'opsPerSec', 'p50Ms', 'p99Ms', 'concurrency', 'durationS', 'ops'];

/**
 * The stdout line for a result: the fixed fields first, `ratio` = opsPerSec /
 * ceilingOpsPerSec when a ceiling applies, numbers rounded to 4 significant
 * digits, undefined fields dropped. One line, no trailing newline.
 */
export const resultLine = (result: BenchResult): string => {
  const ceiling = result.ceilingOpsPerSec;
  const withRatio: Record<string, unknown> =
    typeof ceiling === 'number' && ceiling > 0 ? { ...result, ratio: result.opsPerSec / ceiling } : result;
  const ordered: Record<string, unknown> = {};
  for (const key of LEADING) if (withRatio[key] !== undefined) ordered[key] = withRatio[key];
  for (const [key, value] of Object.entries(withRatio)) {
    if (value !== undefined && !(key in ordered)) ordered[key] = value;
  }
  return JSON.stringify(roundDeep(ordered));
};
