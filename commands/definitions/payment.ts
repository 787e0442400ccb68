import { Type } from 'typebox';
import { category, paymentDecider } from '../../domain/payment/index.ts';
import type {
  RecordAuthorization,
  RecordCapture,
  RecordRefund,
  RecordVoid,
  RequestCapture,
  RequestRefund,
  RequestVoid,
  StartPayment,
} from '../../domain/payment/commands.ts';
import { defineCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import { At, Id, Money, Struct, Text } from './schemas.ts';

const payment = { category, decider: paymentDecider };

const Outcome = Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]);
const Reason = Text(500);
/** The provider's own identifiers: opaque, but bounded and free of control characters. */
const ProviderRef = Text(200);

const PAYMENT_ID = 'pay-2025-000123';
const REFUND_ID = 'rfd-2025-000045';

export const paymentCommands: readonly CommandDefinition[] = [
  defineCommand({
    name: 'payment.start',
    description: "Opens a payment for an order at the buyer's checkout, for the order total.",
    schema: Struct({ paymentId: Id, orderId: Id, amount: Money, at: At }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): StartPayment => ({
      type: 'StartPayment',
      data: {
        paymentId: data.paymentId,
        orderId: data.orderId,
        amount: data.amount,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      orderId: 'ord-2025-000123',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:01:00.000Z',
    },
  }),
  defineCommand({
    name: 'payment.record-authorization',
    description:
      "The payment service reports the provider's authorization outcome; `amount` is required when it succeeded. A repeated `providerEventId` changes nothing.",
    schema: Struct({
      paymentId: Id,
      providerEventId: ProviderRef,
      providerReference: ProviderRef,
      outcome: Outcome,
      amount: Type.Optional(Money),
      reason: Type.Optional(Reason),
      at: At,
    }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RecordAuthorization => ({
      type: 'RecordAuthorization',
      data: {
        paymentId: data.paymentId,
        providerEventId: data.providerEventId,
        providerReference: data.providerReference,
        outcome: data.outcome,
        ...(data.amount === undefined ? {} : { amount: data.amount }),
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      providerEventId: 'evt_3PzA1b2C3d4E5f6G',
      providerReference: 'pi_3PzA1b2C3d4E5f6G',
      outcome: 'succeeded',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:03:40.000Z',
    },
  }),
  defineCommand({
    name: 'payment.request-capture',
    description: 'Asks the provider to capture an authorized amount (the marketplace captures at purchase).',
    schema: Struct({ paymentId: Id, amount: Money, at: At }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RequestCapture => ({
      type: 'RequestCapture',
      data: { paymentId: data.paymentId, amount: data.amount, at: data.at ?? envelope.receivedAt },
    }),
    example: {
      paymentId: PAYMENT_ID,
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:03:41.000Z',
    },
  }),
  defineCommand({
    name: 'payment.record-capture',
    description:
      "The payment service reports the provider's capture outcome; captured never exceeds authorized. A repeated `providerEventId` changes nothing.",
    schema: Struct({
      paymentId: Id,
      providerEventId: ProviderRef,
      providerReference: ProviderRef,
      outcome: Outcome,
      amount: Money,
      reason: Type.Optional(Reason),
      at: At,
    }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RecordCapture => ({
      type: 'RecordCapture',
      data: {
        paymentId: data.paymentId,
        providerEventId: data.providerEventId,
        providerReference: data.providerReference,
        outcome: data.outcome,
        amount: data.amount,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      providerEventId: 'evt_3PzA1b2C3d4E5f6H',
      providerReference: 'ch_3PzA1b2C3d4E5f6G',
      outcome: 'succeeded',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:04:12.000Z',
    },
  }),
  defineCommand({
    name: 'payment.request-void',
    description: 'Gives up an authorization that was never (fully) captured, e.g. when the order expired.',
    schema: Struct({ paymentId: Id, reason: Reason, at: At }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RequestVoid => ({
      type: 'RequestVoid',
      data: { paymentId: data.paymentId, reason: data.reason, at: data.at ?? envelope.receivedAt },
    }),
    example: {
      paymentId: PAYMENT_ID,
      reason: 'order ord-2025-000123 expired before capture',
      at: '2025-03-01T10:30:02.000Z',
    },
  }),
  defineCommand({
    name: 'payment.record-void',
    description:
      "The payment service reports the provider's void outcome. A repeated `providerEventId` changes nothing.",
    schema: Struct({
      paymentId: Id,
      providerEventId: ProviderRef,
      providerReference: ProviderRef,
      outcome: Outcome,
      reason: Type.Optional(Reason),
      at: At,
    }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RecordVoid => ({
      type: 'RecordVoid',
      data: {
        paymentId: data.paymentId,
        providerEventId: data.providerEventId,
        providerReference: data.providerReference,
        outcome: data.outcome,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      providerEventId: 'evt_3PzA1b2C3d4E5f6J',
      providerReference: 'pi_3PzA1b2C3d4E5f6G',
      outcome: 'succeeded',
      at: '2025-03-01T10:30:05.000Z',
    },
  }),
  defineCommand({
    name: 'payment.request-refund',
    description:
      'Money back to the buyer: several partial refunds, each with its own `refundId`, never more than was captured.',
    schema: Struct({ paymentId: Id, refundId: Id, amount: Money, reason: Reason, at: At }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RequestRefund => ({
      type: 'RequestRefund',
      data: {
        paymentId: data.paymentId,
        refundId: data.refundId,
        amount: data.amount,
        reason: data.reason,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      refundId: REFUND_ID,
      amount: { amount: 7000, currency: 'EUR' },
      reason: 'order ord-2025-000123 returned: not as described',
      at: '2025-03-08T11:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'payment.record-refund',
    description:
      "The payment service reports the provider's refund outcome. A repeated `providerEventId` changes nothing.",
    schema: Struct({
      paymentId: Id,
      refundId: Id,
      providerEventId: ProviderRef,
      providerReference: ProviderRef,
      outcome: Outcome,
      amount: Money,
      reason: Type.Optional(Reason),
      at: At,
    }),
    aggregate: payment,
    streamKey: (data) => data.paymentId,
    toCommand: (data, envelope): RecordRefund => ({
      type: 'RecordRefund',
      data: {
        paymentId: data.paymentId,
        refundId: data.refundId,
        providerEventId: data.providerEventId,
        providerReference: data.providerReference,
        outcome: data.outcome,
        amount: data.amount,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      paymentId: PAYMENT_ID,
      refundId: REFUND_ID,
      providerEventId: 'evt_3PzA1b2C3d4E5f6K',
      providerReference: 're_3PzA1b2C3d4E5f6G',
      outcome: 'succeeded',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-08T11:00:30.000Z',
    },
  }),
];
