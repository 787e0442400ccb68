import { hash } from 'node:crypto';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Validator } from 'typebox/compile';
import { canonicalJson } from '../infra/event-store/canonical.ts';
import type { JsonValue } from '../infra/event-store/port.ts';
import { isValidStreamId } from '../infra/event-store/validation.ts';
import { streamIdOf, toDomainCommand } from './definition.ts';
import type { CommandDefinition } from './definition.ts';
import { refused } from './envelope.ts';
import type { CommandEnvelope, Reply } from './envelope.ts';
import type { CommandPolicy } from './policy.ts';
import type { StreamProcessor } from './stream-processor.ts';

export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** One decoder for every payload: it keeps no state between `decode` calls without `stream`. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]*$' });

const EnvelopeSchema = Type.Object(
  {
    commandId: Id,
    data: Type.Object({}),
    metadata: Type.Optional(
      Type.Object(
        {
          correlationId: Type.Optional(Id),
          causationId: Type.Optional(Id),
          actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

type Compiled = Readonly<{ definition: CommandDefinition; validator: Validator }>;

const describeErrors = (validator: Validator, value: unknown): JsonValue =>
  validator
    .Errors(value)
    .slice(0, 10)
    .map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: e.message }));

/**
 * Everything between the wire and the stream processor: size, JSON, the
 * envelope, the command's own schema, then the command goes to its stream.
 * Nothing is written for input that fails any of these.
 */
export class CommandBus {
  readonly #commands: ReadonlyMap<string, Compiled>;
  readonly #envelope = Compile(EnvelopeSchema);
  readonly #processor: StreamProcessor;
  readonly #policy: CommandPolicy;
  readonly #clock: () => Date;

  constructor(
    definitions: readonly CommandDefinition[],
    processor: StreamProcessor,
    policy: CommandPolicy,
    clock: () => Date = () => new Date(),
  ) {
    this.#commands = new Map(
      definitions.map((d) => [d.name, { definition: d, validator: Compile(d.schema) }]),
    );
    this.#processor = processor;
    this.#policy = policy;
    this.#clock = clock;
  }

  get names(): readonly string[] {
    return [...this.#commands.keys()];
  }

  /** From raw bytes, as they arrive over NATS. */
  async executeBytes(name: string, payload: Uint8Array): Promise<Reply> {
    if (payload.byteLength > MAX_PAYLOAD_BYTES) {
      return refused(
        null,
        'PAYLOAD_TOO_LARGE',
        `payload is ${payload.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(utf8.decode(payload));
    } catch {
      return refused(null, 'MALFORMED_JSON', 'payload is not UTF-8 JSON');
    }
    return this.execute(name, body);
  }

  async execute(name: string, body: unknown): Promise<Reply> {
    const commandId =
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { commandId?: unknown }).commandId === 'string'
        ? (body as { commandId: string }).commandId
        : null;
    if (!this.#envelope.Check(body)) {
      return refused(
        commandId,
        'INVALID_ENVELOPE',
        'expected { commandId, data, metadata? }',
        describeErrors(this.#envelope, body),
      );
    }
    const compiled = this.#commands.get(name);
    if (compiled === undefined)
      return refused(body.commandId, 'UNKNOWN_COMMAND', `no command named "${name}"`);
    const { definition, validator } = compiled;
    if (!validator.Check(body.data)) {
      return refused(
        body.commandId,
        'VALIDATION_FAILED',
        `data does not match the schema of ${name}`,
        describeErrors(validator, body.data),
      );
    }
    const streamId = streamIdOf(definition, body.data);
    if (!isValidStreamId(streamId)) {
      return refused(body.commandId, 'VALIDATION_FAILED', `"${streamId}" is not a valid stream id`);
    }
    const envelope: CommandEnvelope = {
      name,
      commandId: body.commandId,
      data: body.data as JsonValue,
      metadata: {
        correlationId: body.metadata?.correlationId ?? null,
        causationId: body.metadata?.causationId ?? null,
        actor: body.metadata?.actor ?? null,
      },
      receivedAt: this.#clock().toISOString(),
    };
    return this.#processor.submit({
      envelope,
      aggregate: definition.aggregate,
      streamId,
      command: toDomainCommand(definition, body.data, envelope, this.#policy),
      // The one-shot form: no Hash object per command.
      fingerprint: hash('sha256', canonicalJson({ name, data: envelope.data })),
    });
  }
}
