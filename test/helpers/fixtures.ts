import { readFileSync } from 'node:fs';

/**
 * The real payloads in `test/fixtures`, in the provider's wire format. Bottender camelCased every key of its
 * fixtures; `wireCase` puts back what the provider sends (snake_case for Meta and Telegram, PascalCase for Twilio).
 */
const FIXTURES = new URL('../fixtures/', import.meta.url);

export function readFixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as T;
}

export type WireCasing = 'snake' | 'pascal';

export function wireCase(value: unknown, casing: WireCasing): unknown {
  if (Array.isArray(value)) return value.map((item) => wireCase(item, casing));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [recase(key, casing), wireCase(child, casing)]));
}

function recase(key: string, casing: WireCasing): string {
  if (casing === 'pascal') return key.charAt(0).toUpperCase() + key.slice(1);
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

type Cases = Record<string, unknown>;

/** Every bottender Messenger event as the webhook body Meta posts: one entry for the page, one messaging item. */
export function messagingBodies(object: 'page' | 'instagram' = 'page'): Record<string, unknown> {
  const events = wireCase(readFixture<Cases>('bottender/messenger_events.json'), 'snake') as Record<string, any>;
  return Object.fromEntries(Object.entries(events).map(([name, event]) => [name, {
    object, entry: [{ id: event.recipient?.id ?? '0', time: event.timestamp ?? 0, messaging: [event] }],
  }]));
}

/** Bottender's whole Messenger request bodies (batch, echo, standby, the console's test event). */
export function messengerRequests(): Record<string, unknown> {
  const requests = wireCase(readFixture<Cases>('bottender/messenger_requests.json'), 'snake') as Record<string, any>;
  return Object.fromEntries(Object.entries(requests).map(([name, request]) => [name, request.body ?? request]));
}

/** Facebook page `changes` (feed posts, comments, reactions) as Meta posts them. */
export function pageChangeBodies(): Record<string, unknown> {
  const changes = wireCase(readFixture<Cases>('bottender/facebook_page_events.json'), 'snake') as Record<string, any>;
  return Object.fromEntries(Object.entries(changes).map(([name, change]) => [name, {
    object: 'page', entry: [{ id: '137542570280222', time: 1511951015, changes: [change] }],
  }]));
}

/** Every bottender Telegram update and request in wire casing; the few without `update_id` get one. */
export function telegramUpdates(): Record<string, unknown> {
  const all = {
    ...readFixture<Cases>('bottender/telegram_events.json'),
    ...readFixture<Cases>('bottender/telegram_requests.json'),
  };
  return Object.fromEntries(Object.entries(wireCase(all, 'snake') as Record<string, any>).map(([name, update], index) =>
    [name, { update_id: 900_000 + index, ...update }]));
}

/** Bottender's Twilio WhatsApp webhooks as the form fields Twilio posts. */
export function twilioForms(): Record<string, Record<string, string>> {
  return wireCase(readFixture<Cases>('bottender/twilio_whatsapp_events_camelcased.json'), 'pascal') as Record<string, Record<string, string>>;
}

/** Every pywa WhatsApp Cloud case (already in wire format), named `<file>/<case>`. */
export function whatsAppCloudBodies(): Record<string, unknown> {
  const files = ['message', 'message_status', 'outgoing_message', 'edited_message', 'deleted_message', 'system',
    'callback_button', 'callback_selection', 'flow_completion', 'call_connect', 'call_permission_update', 'call_status',
    'call_terminate', 'account_update', 'template_category_update', 'template_components_update',
    'template_quality_update', 'template_status_update', 'user_marketing_preferences'];
  return Object.fromEntries(files.flatMap((file) =>
    Object.entries(readFixture<Cases>(`whatsapp-cloud/${file}.json`)).map(([name, body]) => [`${file}/${name}`, body])));
}
