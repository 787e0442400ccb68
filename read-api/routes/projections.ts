import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatPosition } from '../../infra/event-store/port.ts';
import { requireScope } from '../auth.ts';
import { problemResponses } from '../errors.ts';
import type { ReadContext } from '../reading.ts';
import { Instant, NullableString, iso } from '../schemas.ts';

const Position = Type.String({ description: 'A log position, "<commit>:<prepare>".' });

const ProjectionStatusSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  active: Type.Boolean({ description: 'The version readers see; false while a new version is rebuilt.' }),
  state: Type.Union([Type.Literal('running'), Type.Literal('halted'), Type.Literal('rebuilding')]),
  checkpoint: Position,
  head: Position,
  lagEvents: Type.Integer(),
  lagSeconds: Type.Number({ description: 'Age of the oldest event not applied yet; 0 when caught up.' }),
  eventsApplied: Type.Integer(),
  lastError: NullableString,
  failedEvent: Type.Union([
    Type.Object({ eventId: Type.String(), position: Position, type: Type.String(), at: Instant }),
    Type.Null(),
  ]),
  owner: NullableString,
  updatedAt: Instant,
});

const StatusListSchema = Type.Object(
  { projections: Type.Array(ProjectionStatusSchema) },
  { additionalProperties: false },
);

/** Each projection's checkpoint, lag and state, read live. */
export const projectionRoutes: FastifyPluginAsyncTypebox<ReadContext> = (app, ctx) => {
  app.get(
    '/projections',
    {
      onRequest: requireScope('auditor'),
      schema: {
        tags: ['operations'],
        summary: 'Projection status: checkpoint, lag and state of every projection version',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: StatusListSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (_request, reply) => {
      const views = await ctx.status.refresh();
      void reply.header('cache-control', 'private, no-cache');
      return {
        projections: views.map((v) => ({
          name: v.name,
          version: v.version,
          active: v.active,
          state: v.state,
          checkpoint: formatPosition(v.checkpoint),
          head: formatPosition(v.head),
          lagEvents: v.lagEvents,
          lagSeconds: v.lagSeconds,
          eventsApplied: v.eventsApplied,
          lastError: v.lastError,
          failedEvent:
            v.failedEvent === null
              ? null
              : {
                  eventId: v.failedEvent.eventId,
                  position: formatPosition(v.failedEvent.position),
                  type: v.failedEvent.type,
                  at: iso(v.failedEvent.at),
                },
          owner: v.owner,
          updatedAt: iso(v.updatedAt),
        })),
      };
    },
  );
  return Promise.resolve();
};
