import type { Envelope } from './envelope.js';

/** What the gateway hands a webhook connector: the request as received, body untouched. */
export interface WebhookRequest {
  method: string;
  /** Path and query as the client sent them, e.g. `/webhooks/twilio?x=1`. */
  url: string;
  /** Lower-case names; a repeated header keeps its first value. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

/**
 * Why a provider event produced no envelope. Only messages a customer sent become envelopes; the rest is
 * answered 200 so the provider stops retrying, and counted by reason.
 */
export type SkipReason = 'echo' | 'status' | 'receipt' | 'reaction' | 'edit' | 'delete' | 'not_a_message' | 'unknown';

export interface SkippedEvent {
  reason: SkipReason;
  /** The provider's name for the event (`delivery`, `statuses`, `edited_message`, …), for counting and logs. */
  type: string;
}

/** What a normaliser makes of one provider payload. */
export interface Normalised {
  envelopes: Envelope[];
  skipped: SkippedEvent[];
}

/** The connector's answer. The gateway publishes `envelopes` and sends the response only once Kafka acknowledged. */
export interface WebhookResult extends Normalised {
  status: number;
  contentType: string;
  body: string;
}

export interface WebhookRoute {
  method: 'GET' | 'POST';
  path: string;
}

/** A provider that calls us over HTTPS: verifies, parses and normalises one request. Never imports express. */
export interface WebhookConnector {
  readonly name: string;
  readonly routes: readonly WebhookRoute[];
  handle(request: WebhookRequest, receivedAt: Date): WebhookResult;
}

export function combine(parts: Normalised[]): Normalised {
  return { envelopes: parts.flatMap((part) => part.envelopes), skipped: parts.flatMap((part) => part.skipped) };
}

/** A payload that carried one customer message. */
export function published(envelope: Envelope): Normalised {
  return { envelopes: [envelope], skipped: [] };
}

export function skip(reason: SkipReason, type: string): Normalised {
  return { envelopes: [], skipped: [{ reason, type }] };
}
