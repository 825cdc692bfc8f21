import type { Envelope } from './envelope.js';

/** What the gateway hands a webhook connector: the request as received, body untouched. */
export interface WebhookRequest {
  method: string;
  /** Path and query as the client sent them, e.g. `/webhooks/twilio?x=1`. */
  url: string;
  /** Lower-case names; a repeated header keeps its first value. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
  /** The client's address (behind a proxy, as it reports it): for rate limits. */
  ip?: string;
  /** `https` when the client reached us over TLS (directly or through a proxy that says so). */
  protocol?: string;
}

/**
 * Why a provider event produced no envelope. Only messages a customer sent become envelopes; the rest is
 * answered 200 so the provider stops retrying, and counted by reason.
 */
export type SkipReason = 'echo' | 'status' | 'receipt' | 'reaction' | 'edit' | 'delete' | 'not_a_message' | 'unknown'
  /** A message that names no usable sender or receiving account (`From=whatsapp:`): there is nobody to resolve it to. */
  | 'no_sender'
  /** Email: a vacation notice or another automatic answer. */
  | 'auto_reply'
  /** Email: a delivery-failure or delay report. */
  | 'bounce'
  /** WhatsApp Web: a message in a group, on an account configured not to take group messages in. */
  | 'group'
  /** Stream sources only: an event we could not read at all, logged with where it was and skipped so the stream flows. */
  | 'unreadable';

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
  body: string | Buffer;
  /** Further response headers (cookies, CORS, caching). */
  headers?: Readonly<Record<string, string | string[]>>;
}

export interface WebhookRoute {
  method: 'GET' | 'POST' | 'OPTIONS';
  path: string;
}

/**
 * Something that calls us over HTTP — a provider's webhook, or our own web-chat widget: verifies, parses and
 * normalises one request, and says what to answer once its envelopes are on Kafka. Never imports express.
 */
export interface WebhookConnector {
  readonly name: string;
  readonly routes: readonly WebhookRoute[];
  handle(request: WebhookRequest, receivedAt: Date): WebhookResult | Promise<WebhookResult>;
}

export function combine(parts: Normalised[]): Normalised {
  return { envelopes: parts.flatMap((part) => part.envelopes), skipped: parts.flatMap((part) => part.skipped) };
}

/** A payload that carried one customer message, or, when it names nobody, why it is not one. */
export function published(envelope: Envelope): Normalised {
  const blank = (value: string | undefined) => value === undefined || value.trim() === '';
  if (blank(envelope.sender.id) || blank(envelope.account)) return skip('no_sender', `${envelope.channel}:no_sender`);
  return { envelopes: [envelope], skipped: [] };
}

export function skip(reason: SkipReason, type: string): Normalised {
  return { envelopes: [], skipped: [{ reason, type }] };
}

/** Publishes envelopes; resolves once Kafka acknowledged every one of them. */
export type Publish = (envelopes: Envelope[]) => Promise<void>;

/**
 * Where a stream connector stands: `connecting`; `live` (taking messages in); `backing_off` after a failure,
 * until it tries again; `waiting` while another process runs the same account; `needs_action` when only a person can fix it (a refused password, a logged-out
 * device), with the sentence saying what to do.
 */
export type ConnectorState =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'backing_off'; reason: string; retryAt: string }
  /** Another process runs this account; this one takes over when it stops. */
  | { state: 'waiting'; reason: string }
  | { state: 'needs_action'; action: string }
  /** Its process stopped it (shown by the admin API until a process runs it again). */
  | { state: 'stopped' };

/** How a stream connector tells its supervisor what it is doing. */
export interface StreamReport {
  state(state: ConnectorState): void;
  /** Events of the source that are not customer messages, by the same reasons webhooks use. */
  skipped(events: SkippedEvent[]): void;
  /** Envelopes Kafka acknowledged: the source's position has been confirmed up to them. */
  published(count: number): void;
}

/**
 * A source we hold a connection to (a Telegram long poll, an IMAP mailbox, a WhatsApp Web socket): runs until
 * `signal` aborts, publishes what it reads and confirms its position in the source only after `publish`
 * resolved. A failure it throws is retried by the supervisor with backoff; a NeedsActionError stops it until a
 * person acts. Never imports express or `db/`: state it must keep across restarts comes through a store it
 * is handed.
 */
export interface StreamConnector {
  /** `telegram`, `email`, `whatsapp`. */
  readonly name: string;
  /** Which bot, mailbox or account: one connector runs per account. */
  readonly account: string;
  run(publish: Publish, signal: AbortSignal, report?: StreamReport): Promise<void>;
}

/** A StreamReport that ignores everything: for a connector run on its own, as in a test. */
export const SILENT_REPORT: StreamReport = { state: () => {}, skipped: () => {}, published: () => {} };

/**
 * State a stream connector keeps across restarts (an IMAP position, WhatsApp keys), in PostgreSQL, scoped to
 * the connector and its account. Handed to the connector: connectors never import `db/`.
 */
export interface ConnectorStateStore {
  get(key: string): Promise<unknown>;
  getMany(keys: readonly string[]): Promise<Map<string, unknown>>;
  /** Writes every entry in one transaction; `null` deletes the key. */
  set(entries: Readonly<Record<string, unknown>>): Promise<void>;
  /** Every key with this prefix and its value, in key order. */
  list(prefix: string): Promise<Map<string, unknown>>;
  /** Every key with this prefix, removed (a logged-out WhatsApp account's keys). */
  clear(prefix: string): Promise<void>;
  /**
   * Holds this connector-and-account exclusively across processes until released. While another process holds
   * it, waits (until `signal` aborts) and calls `waiting` once with who holds it. `lost` rejects when the hold
   * ends by itself (its database connection failed).
   */
  lock(options: { signal: AbortSignal; waiting(holder: string): void; retryMs?: number }): Promise<{ lost: Promise<never>; release(): Promise<void> }>;
}
