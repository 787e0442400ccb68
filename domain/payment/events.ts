import type { CurrencyCode, Instant, Message } from '../shared/index.ts';

/** Every amount is integer minor units in the payment's one currency. */
type Provider = Readonly<{ providerEventId: string; providerReference: string }>;

export type PaymentStarted = Message<
  'PaymentStarted',
  { paymentId: string; orderId: string; amountMinor: number; currency: CurrencyCode; startedAt: Instant }
>;

export type PaymentAuthorized = Message<
  'PaymentAuthorized',
  Provider & {
    paymentId: string;
    orderId: string;
    amountMinor: number;
    currency: CurrencyCode;
    authorizedAt: Instant;
  }
>;

export type AuthorizationFailed = Message<
  'AuthorizationFailed',
  Provider & { paymentId: string; orderId: string; reason: string; failedAt: Instant }
>;

export type CaptureRequested = Message<
  'CaptureRequested',
  { paymentId: string; orderId: string; amountMinor: number; currency: CurrencyCode; requestedAt: Instant }
>;

export type PaymentCaptured = Message<
  'PaymentCaptured',
  Provider & {
    paymentId: string;
    orderId: string;
    amountMinor: number;
    currency: CurrencyCode;
    /** Captured so far including this one. */
    capturedTotalMinor: number;
    capturedAt: Instant;
  }
>;

export type CaptureFailed = Message<
  'CaptureFailed',
  Provider & { paymentId: string; orderId: string; amountMinor: number; reason: string; failedAt: Instant }
>;

export type VoidRequested = Message<
  'VoidRequested',
  { paymentId: string; orderId: string; reason: string; requestedAt: Instant }
>;

export type PaymentVoided = Message<
  'PaymentVoided',
  Provider & { paymentId: string; orderId: string; voidedAt: Instant }
>;

export type VoidFailed = Message<
  'VoidFailed',
  Provider & { paymentId: string; orderId: string; reason: string; failedAt: Instant }
>;

export type RefundRequested = Message<
  'RefundRequested',
  {
    paymentId: string;
    orderId: string;
    refundId: string;
    amountMinor: number;
    currency: CurrencyCode;
    reason: string;
    requestedAt: Instant;
  }
>;

export type PaymentRefunded = Message<
  'PaymentRefunded',
  Provider & {
    paymentId: string;
    orderId: string;
    refundId: string;
    amountMinor: number;
    currency: CurrencyCode;
    /** Refunded so far including this one; never more than captured. */
    refundedTotalMinor: number;
    refundedAt: Instant;
  }
>;

export type RefundFailed = Message<
  'RefundFailed',
  Provider & {
    paymentId: string;
    orderId: string;
    refundId: string;
    amountMinor: number;
    reason: string;
    failedAt: Instant;
  }
>;

export type PaymentEvent =
  | PaymentStarted
  | PaymentAuthorized
  | AuthorizationFailed
  | CaptureRequested
  | PaymentCaptured
  | CaptureFailed
  | VoidRequested
  | PaymentVoided
  | VoidFailed
  | RefundRequested
  | PaymentRefunded
  | RefundFailed;
