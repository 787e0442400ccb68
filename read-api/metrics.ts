import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';
import type { Metric } from 'prom-client';

/**
 * Prometheus metrics of the read API, in prom-client's default registry so
 * that `/metrics` also shows what other modules of the process register
 * there (command counts, projection runners, process metrics). Created once
 * per process: several apps in one process (tests) share them.
 */
const once = <M extends Metric>(name: string, make: () => M): M =>
  (register.getSingleMetric(name) as M | undefined) ?? make();

export const httpRequestDuration = once(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Read API request latency, by route and status (its _count is the request rate).',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
);

export const httpRequestsTotal = once(
  'http_requests_total',
  () =>
    new Counter({
      name: 'http_requests_total',
      help: 'Read API requests, by route and status.',
      labelNames: ['method', 'route', 'status_code'] as const,
    }),
);

export const projectionLagEvents = once(
  'read_api_projection_lag_events',
  () =>
    new Gauge({
      name: 'read_api_projection_lag_events',
      help: 'Events between the log head and the projection checkpoint, as the read API last saw it.',
      labelNames: ['projection'] as const,
    }),
);

export const projectionLagSeconds = once(
  'read_api_projection_lag_seconds',
  () =>
    new Gauge({
      name: 'read_api_projection_lag_seconds',
      help: 'Seconds the projection is behind the log head, as the read API last saw it.',
      labelNames: ['projection'] as const,
    }),
);

export const projectionHalted = once(
  'read_api_projection_halted',
  () =>
    new Gauge({
      name: 'read_api_projection_halted',
      help: '1 when the projection is halted on an event it could not apply.',
      labelNames: ['projection'] as const,
    }),
);

export const listingCacheLookups = once(
  'read_api_listing_cache_lookups_total',
  () =>
    new Counter({
      name: 'read_api_listing_cache_lookups_total',
      help: 'GET /listings/:id answers from the in-process cache (hit) or from Postgres (miss).',
      labelNames: ['result'] as const,
    }),
);

export const listingCacheEvictions = once(
  'read_api_listing_cache_evictions_total',
  () =>
    new Counter({
      name: 'read_api_listing_cache_evictions_total',
      help: 'Listing cache entries dropped: changed in the read model, over capacity, or a reset.',
      labelNames: ['reason'] as const,
    }),
);

/** The live caches' sizes, summed when scraped (tests run several apps in one process). */
const listingCacheSizes = new Set<() => number>();

export const listingCacheEntries = once(
  'read_api_listing_cache_entries',
  () =>
    new Gauge({
      name: 'read_api_listing_cache_entries',
      help: 'Listings held by the in-process cache of GET /listings/:id.',
      collect() {
        let total = 0;
        for (const size of listingCacheSizes) total += size();
        this.set(total);
      },
    }),
);

/** Counts a cache's entries in `read_api_listing_cache_entries` until the returned function is called. */
export const trackListingCacheSize = (size: () => number): (() => void) => {
  listingCacheSizes.add(size);
  return () => {
    listingCacheSizes.delete(size);
  };
};

/** Process metrics (CPU, memory, event loop lag), unless another module already collects them. */
export const collectProcessMetrics = (): void => {
  if (register.getSingleMetric('process_cpu_user_seconds_total') === undefined) collectDefaultMetrics();
};

export const metricsText = (): Promise<string> => register.metrics();
export const METRICS_CONTENT_TYPE = register.contentType;
