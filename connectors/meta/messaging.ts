import type { Channel, SenderKind } from '../../identity/channels.js';
import { newEnvelope, type Attachment } from '../envelope.js';
import { published, skip, type Normalised, type SkipReason } from '../types.js';
import type { MessagingEvent } from './schema.js';

/** Messenger (`object: page`) and Instagram (`object: instagram`) share one `messaging[]` format. */
export interface MessagingChannel {
  channel: Extract<Channel, 'messenger' | 'instagram'>;
  /** PSIDs are scoped to the page, IGSIDs to the Instagram account: the `recipient` of an inbound event. */
  senderKind: Extract<SenderKind, 'messenger_psid' | 'instagram_igsid'>;
}

/** Events that are not something a customer wrote, by their key in the messaging item. */
const NOT_MESSAGES: ReadonlyMap<string, SkipReason> = new Map(Object.entries({
  delivery: 'receipt', read: 'receipt', reaction: 'reaction', message_reactions: 'reaction', message_edit: 'edit',
  optin: 'not_a_message', referral: 'not_a_message', account_linking: 'not_a_message',
  'policy-enforcement': 'not_a_message', game_play: 'not_a_message', pass_thread_control: 'not_a_message',
  take_thread_control: 'not_a_message', request_thread_control: 'not_a_message', app_roles: 'not_a_message',
  payment: 'not_a_message', checkout_update: 'not_a_message', pre_checkout: 'not_a_message',
  messaging_feedback: 'not_a_message', response_feedback: 'not_a_message', branded_camera: 'not_a_message',
} satisfies Record<string, SkipReason>));

/** Pure: one `messaging[]` item → the envelope of a customer's message, or why there is none. */
export function normaliseMessagingEvent(event: MessagingEvent, target: MessagingChannel, receivedAt: Date): Normalised {
  if (event.message?.is_echo) return skip('echo', 'message_echo');
  if (event.message?.is_deleted) return skip('delete', 'message_deleted');
  const content = event.message ? messageContent(event.message) : event.postback ? postbackContent(event.postback, event) : undefined;
  if (!content) {
    const known = [...NOT_MESSAGES].find(([name]) => Object.hasOwn(event, name) && event[name] !== undefined);
    return known ? skip(known[1], known[0]) : skip('unknown', Object.keys(event).filter(isEventKey).join(',') || 'empty');
  }
  // The schema requires sender, recipient and timestamp whenever there is a message or postback.
  const account = event.recipient!.id;
  return published(newEnvelope({
    channel: target.channel,
    account,
    sender: { kind: target.senderKind, id: event.sender!.id, scope: account },
    profile: {},
    message: { ...content, sentAt: new Date(event.timestamp!).toISOString() },
  }, receivedAt));
}

function isEventKey(key: string): boolean {
  return key !== 'sender' && key !== 'recipient' && key !== 'timestamp';
}

type Content = { providerId: string; text?: string; attachments: Attachment[] };

function messageContent(message: NonNullable<MessagingEvent['message']>): Content {
  return { providerId: message.mid, text: message.text, attachments: (message.attachments ?? []).map(attachmentOf) };
}

/** A tapped button is the customer's answer: its title is what they "said". Old postbacks carry no mid. */
function postbackContent(postback: NonNullable<MessagingEvent['postback']>, event: MessagingEvent): Content {
  return {
    providerId: postback.mid ?? `postback:${event.sender!.id}:${event.timestamp}`,
    text: postback.title ?? postback.payload,
    attachments: [],
  };
}

function attachmentOf(attachment: NonNullable<NonNullable<MessagingEvent['message']>['attachments']>[number]): Attachment {
  const payload = attachment.payload ?? {};
  if (attachment.type === 'location' && payload.coordinates) {
    return { type: 'location', url: `geo:${payload.coordinates.lat},${payload.coordinates.long}`, name: payload.title };
  }
  const type = payload.sticker_id !== undefined ? 'sticker' : ATTACHMENT_TYPES.get(attachment.type) ?? 'other';
  return { type, url: payload.url, name: payload.title };
}

const ATTACHMENT_TYPES: ReadonlyMap<string, Attachment['type']> = new Map([
  ['image', 'image'], ['video', 'video'], ['audio', 'audio'], ['file', 'file'], ['location', 'location'], ['sticker', 'sticker'],
]);
