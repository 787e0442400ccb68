import { Counter, Gauge, Histogram, register } from 'prom-client';
import type { Registry } from 'prom-client';

/** Prometheus series of the projection workers (in the registry the API's /metrics serves). */
export type ProjectionMetrics = Readonly<{
  lagEvents: Gauge;
  lagSeconds: Gauge;
  halted: Gauge;
  events: Counter;
  batchSeconds: Histogram;
}>;

const once = <M>(registry: Registry, name: string, create: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? create();

/** Creates the series once per registry; several workers in one process share them. */
export const projectionMetrics = (registry: Registry = register): ProjectionMetrics => ({
  lagEvents: once(
    registry,
    'commerce_projection_lag_events',
    () =>
      new Gauge({
        name: 'commerce_projection_lag_events',
        help: 'Events between the log head and the projection checkpoint',
        labelNames: ['projection'],
        registers: [registry],
      }),
  ),
  lagSeconds: once(
    registry,
    'commerce_projection_lag_seconds',
    () =>
      new Gauge({
        name: 'commerce_projection_lag_seconds',
        help: 'Age of the oldest event the projection has not applied (0 when caught up)',
        labelNames: ['projection'],
        registers: [registry],
      }),
  ),
  halted: once(
    registry,
    'commerce_projection_halted',
    () =>
      new Gauge({
        name: 'commerce_projection_halted',
        help: '1 while the projection is halted on an event it cannot apply',
        labelNames: ['projection'],
        registers: [registry],
      }),
  ),
  events: once(
    registry,
    'commerce_projection_events_total',
    () =>
      new Counter({
        name: 'commerce_projection_events_total',
        help: 'Events applied to the projection by this process',
        labelNames: ['projection'],
        registers: [registry],
      }),
  ),
  batchSeconds: once(
    registry,
    'commerce_projection_batch_seconds',
    () =>
      new Histogram({
        name: 'commerce_projection_batch_seconds',
        help: 'Time to apply one batch to the owned projections and commit',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  ),
});
