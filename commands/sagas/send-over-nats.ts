import type { NatsConnection } from '@nats-io/transport-node';
import type { JsonValue } from '../../infra/event-store/port.ts';
import { refused } from '../envelope.ts';
import type { Reply } from '../envelope.ts';
import type { SendCommand } from '../timers/timers.ts';

const encoder = new TextEncoder();

/**
 * Sends commands the way any service does: request/reply to the handlers'
 * queue group. No handler answering (none running, NATS down, a timeout) is
 * `UNAVAILABLE`, which sagas and timers retry with the same command id.
 */
export const natsCommandSender =
  (nc: NatsConnection, prefix: string, timeoutMs = 10_000): SendCommand =>
  async (name: string, body: JsonValue): Promise<Reply> => {
    const id = (body as { commandId?: unknown } | null)?.commandId;
    const commandId = typeof id === 'string' ? id : null;
    try {
      const msg = await nc.request(`${prefix}.${name}`, encoder.encode(JSON.stringify(body)), {
        timeout: timeoutMs,
      });
      return msg.json<Reply>();
    } catch (error) {
      return refused(
        commandId,
        'UNAVAILABLE',
        `no command handler answered ${name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
