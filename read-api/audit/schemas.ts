import { Type } from 'typebox';

/** Response schemas of the audit routes: what the Auditor returns, nothing more. */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const EventSchema = Type.Object({
  eventId: Type.String(),
  streamId: Type.String(),
  revision: Type.Integer(),
  position: Type.String(),
  type: Type.String(),
  data: Type.Unknown(),
  metadata: Type.Object({
    correlationId: Nullable(Type.String()),
    causationId: Nullable(Type.String()),
    commandId: Nullable(Type.String()),
    actor: Nullable(Type.String()),
  }),
  schemaVersion: Type.Integer(),
  recordedAt: Type.String(),
  hash: Type.String(),
});

export const HistorySchema = Type.Object({
  streamId: Type.String(),
  events: Type.Array(EventSchema),
  nextRevision: Nullable(Type.Integer()),
});

export const StateSchema = Type.Object({
  streamId: Type.String(),
  category: Type.String(),
  revision: Type.Integer({ description: 'The last revision folded; -1 when none.' }),
  recordedAt: Nullable(Type.String()),
  eventCount: Type.Integer(),
  state: Type.Unknown(),
});

export const CategoryList = Type.Object({
  categories: Type.Array(
    Type.Object({ category: Type.String(), streams: Type.Integer(), events: Type.Integer() }),
  ),
});

export const StreamList = Type.Object({
  streams: Type.Array(
    Type.Object({
      streamId: Type.String(),
      category: Type.String(),
      events: Type.Integer(),
      lastRevision: Type.Integer(),
      lastRecordedAt: Type.String(),
    }),
  ),
  next: Nullable(Type.String()),
});

export const FindingSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('hash-mismatch'),
    Type.Literal('missing-revisions'),
    Type.Literal('inserted'),
    Type.Literal('swapped'),
  ]),
  streamId: Type.String(),
  revision: Type.Integer(),
  eventId: Type.Optional(Type.String()),
  through: Type.Optional(Type.Integer()),
  otherRevision: Type.Optional(Type.Integer()),
  message: Type.String(),
});

export const ChainReportSchema = Type.Object({
  ok: Type.Boolean(),
  streams: Type.Integer(),
  events: Type.Integer(),
  findings: Type.Array(FindingSchema),
  findingCount: Type.Integer(),
});

export const CheckpointSchema = Type.Object({
  id: Type.Integer(),
  position: Type.String(),
  eventCount: Type.Integer(),
  digest: Type.String(),
  createdAt: Type.String(),
  algorithm: Type.Literal('Ed25519'),
  keyId: Type.String(),
  publicKey: Type.String(),
  signature: Type.String(),
});

export const CheckpointList = Type.Object({ checkpoints: Type.Array(CheckpointSchema) });

export const CheckpointExportSchema = Type.Object({
  kind: Type.Literal('commerce-core/audit-checkpoints'),
  exportedAt: Type.String(),
  checkpoints: Type.Array(CheckpointSchema),
});

export const CheckpointReportSchema = Type.Object({
  ok: Type.Boolean(),
  checkpoints: Type.Array(
    Type.Object({
      id: Type.Integer(),
      position: Type.String(),
      keyId: Type.String(),
      signature: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('unknown-key')]),
      log: Type.Union([Type.Literal('unchanged'), Type.Literal('changed')]),
      expectedEventCount: Type.Integer(),
      actualEventCount: Type.Integer(),
      expectedDigest: Type.String(),
      actualDigest: Type.String(),
      ok: Type.Boolean(),
    }),
  ),
});

export const ReplayReportSchema = Type.Object({
  projection: Type.String(),
  liveVersion: Type.Integer(),
  checkpoint: Type.String(),
  eventsReplayed: Type.Integer(),
  replayError: Nullable(
    Type.Object({
      eventId: Type.String(),
      position: Type.String(),
      type: Type.String(),
      message: Type.String(),
    }),
  ),
  tables: Type.Array(
    Type.Object({
      table: Type.String(),
      liveRows: Type.Integer(),
      replayRows: Type.Integer(),
      liveOnly: Type.Integer(),
      replayOnly: Type.Integer(),
      samples: Type.Array(
        Type.Object({
          side: Type.Union([Type.Literal('live-only'), Type.Literal('replay-only')]),
          row: Type.Unknown(),
        }),
      ),
    }),
  ),
  ok: Type.Boolean(),
});
