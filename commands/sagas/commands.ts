import type { CommitReservation, ReleaseReservation, ReserveStock } from '../../domain/inventory/commands.ts';
import type {
  AcceptCancellation,
  AutoCompleteOrder,
  CancelBySeller,
  ConfirmStockReserved,
  ExpireOrder,
  RecordPaymentCaptured,
  RecordRefunded,
  RejectOrder,
} from '../../domain/order/commands.ts';
import type { RequestCapture, RequestRefund, RequestVoid } from '../../domain/payment/commands.ts';
import type { HoldInEscrow, RefundEscrow, ReleaseEscrow } from '../../domain/seller-account/commands.ts';
import type { JsonValue, RecordedEvent } from '../../infra/event-store/port.ts';
import type { RefusedReply, Reply } from '../envelope.ts';
import type { SagaContext } from './process-manager.ts';

/**
 * The data of every command a process manager sends, by command name: the
 * domain command's own data (the definitions in commands/definitions mirror
 * it), so a mismatch breaks the build here rather than at runtime.
 */
export type SagaCommandData = {
  'inventory.reserve': ReserveStock['data'];
  'inventory.release': ReleaseReservation['data'];
  'inventory.commit': CommitReservation['data'];
  'order.confirm-stock-reserved': ConfirmStockReserved['data'];
  'order.reject': RejectOrder['data'];
  'order.record-payment-captured': RecordPaymentCaptured['data'];
  'order.expire': ExpireOrder['data'];
  'order.auto-complete': AutoCompleteOrder['data'];
  'order.accept-cancellation': AcceptCancellation['data'];
  'order.cancel-by-seller': CancelBySeller['data'];
  'order.record-refunded': RecordRefunded['data'];
  'payment.request-capture': RequestCapture['data'];
  'payment.request-void': RequestVoid['data'];
  'payment.request-refund': RequestRefund['data'];
  'seller.hold-in-escrow': HoldInEscrow['data'];
  'seller.release-escrow': ReleaseEscrow['data'];
  'seller.refund-escrow': RefundEscrow['data'];
};

export type SagaCommandName = keyof SagaCommandData;

/**
 * One command a saga step sends. `key` names the step within its event: with
 * the event id it makes the command id (`sagaCommandId`), so a replay of the
 * step finds its first answer.
 */
export type SagaCommand = Readonly<{ key: string; name: SagaCommandName; data: JsonValue }>;

export const sagaCommand = <Name extends SagaCommandName>(
  key: string,
  name: Name,
  data: SagaCommandData[Name],
): SagaCommand => ({ key, name, data });

/** A durable timer a saga sets: `key` is the same from every event of one deadline (say, one order's). */
export type TimerCommand = Readonly<{ key: string; dueAt: string; command: Omit<SagaCommand, 'key'> }>;

export const timerCommand = <Name extends SagaCommandName>(
  key: string,
  dueAt: string,
  name: Name,
  data: SagaCommandData[Name],
): TimerCommand => ({ key, dueAt, command: { name, data } });

/** The recorded event's data as its domain type (the store only holds what `decide` produced). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the event type it switched on
export const dataOf = <Event extends Readonly<{ type: string; data: unknown }>>(
  event: RecordedEvent,
): Event['data'] => event.data;

/** Free text in a command is bounded (commands/definitions: reasons ≤ 500 characters). */
export const reasonText = (text: string, max = 200): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** What the command side itself refuses with: never a business answer, so never a reason to compensate. */
const NOT_A_DOMAIN_ANSWER = new Set([
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'INVALID_ENVELOPE',
  'VALIDATION_FAILED',
  'UNKNOWN_COMMAND',
  'COMMAND_ID_REUSED',
]);

/** A refusal by the aggregate (a business rule), as opposed to one by the pipeline. */
export const isDomainRefusal = (reply: Reply): reply is RefusedReply =>
  reply.status === 'refused' && !NOT_A_DOMAIN_ANSWER.has(reply.code);

/**
 * Sends one step. Transient refusals have already thrown (`RetryLater`) in
 * `ctx.send`; a refusal by the pipeline means a bug in the saga or the
 * definitions and is logged as an error; a domain refusal is an answer the
 * caller may act on.
 */
export const sendStep = async (ctx: SagaContext, command: SagaCommand): Promise<Reply> => {
  const reply = await ctx.send(command.name, command.key, command.data);
  if (reply.status === 'refused') {
    const level = isDomainRefusal(reply) ? 'info' : 'error';
    ctx.logger[level](
      { command: command.name, key: command.key, code: reply.code, reason: reply.message },
      'saga command refused',
    );
  }
  return reply;
};

export const sendSteps = (ctx: SagaContext, commands: readonly SagaCommand[]): Promise<Reply[]> =>
  Promise.all(commands.map((command) => sendStep(ctx, command)));

export const setTimers = async (ctx: SagaContext, timers: readonly TimerCommand[]): Promise<void> => {
  for (const timer of timers)
    await ctx.schedule(timer.key, timer.dueAt, timer.command.name, timer.command.data);
};
