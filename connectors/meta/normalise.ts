import { parseWith } from '../../identity/parse.js';
import { combine, skip, type Normalised } from '../types.js';
import { normaliseMessagingEvent, type MessagingChannel } from './messaging.js';
import { whatsAppValueSchema, type MetaEntry, type MetaWebhook } from './schema.js';
import { normaliseWhatsAppValue } from './whatsapp.js';

const MESSAGING: ReadonlyMap<string, MessagingChannel> = new Map([
  ['page', { channel: 'messenger', senderKind: 'messenger_psid' }],
  ['instagram', { channel: 'instagram', senderKind: 'instagram_igsid' }],
]);

/** `changes[]` fields Meta sends that are about the account, templates, calls or feeds, never a customer's message. */
const NOT_MESSAGE_FIELDS = new Set(['account_update', 'account_review_update', 'account_alerts', 'business_capability_update',
  'message_template_status_update', 'message_template_quality_update', 'message_template_components_update',
  'template_category_update', 'phone_number_name_update', 'phone_number_quality_update', 'security', 'calls',
  'user_preferences', 'history', 'smb_app_state_sync', 'flows', 'partner_solutions', 'feed', 'comments', 'mentions',
  'live_comments', 'story_insights']);

/** Pure: one Meta webhook body → an envelope for every customer message in every entry. */
export function normaliseMeta(webhook: MetaWebhook, receivedAt: Date): Normalised {
  const messaging = MESSAGING.get(webhook.object);
  return combine(webhook.entry.map((entry, index) => {
    if (messaging) return normaliseMessagingEntry(entry, messaging, receivedAt);
    if (webhook.object === 'whatsapp_business_account') return normaliseWhatsAppEntry(entry, index, receivedAt);
    return skip('unknown', `object:${webhook.object}`);
  }));
}

function normaliseMessagingEntry(entry: MetaEntry, target: MessagingChannel, receivedAt: Date): Normalised {
  return combine([
    ...(entry.messaging ?? []).map((event) => normaliseMessagingEvent(event, target, receivedAt)),
    // Another app holds the conversation (handover protocol): it answers these, we do not take them in twice.
    ...(entry.standby ?? []).map(() => skip('not_a_message', 'standby')),
    ...(entry.changes ?? []).map((change) => changeNotAMessage(target.channel, change.field)),
  ]);
}

function normaliseWhatsAppEntry(entry: MetaEntry, entryIndex: number, receivedAt: Date): Normalised {
  return combine((entry.changes ?? []).map((change, changeIndex) => {
    if (change.field === 'smb_message_echoes') return skip('echo', change.field);
    if (change.field !== 'messages') return changeNotAMessage('whatsapp', change.field);
    const value = parseWith(whatsAppValueSchema, change.value, ['entry', entryIndex, 'changes', changeIndex, 'value']);
    return normaliseWhatsAppValue(value, receivedAt);
  }));
}

function changeNotAMessage(channel: string, field: string): Normalised {
  return NOT_MESSAGE_FIELDS.has(field) ? skip('not_a_message', `${channel}:${field}`) : skip('unknown', `${channel}:${field}`);
}
