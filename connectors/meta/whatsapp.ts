import { newEnvelope, type Attachment, type Sender } from '../envelope.js';
import { PayloadError } from '../../identity/parse.js';
import { combine, published, skip, type Normalised, type SkipReason } from '../types.js';
import type { WhatsAppMessage, WhatsAppValue } from './schema.js';

/** Message types that are not a customer writing to us. */
const NOT_MESSAGES: ReadonlyMap<string, SkipReason> = new Map([
  ['reaction', 'reaction'], ['edit', 'edit'], ['revoke', 'delete'], ['system', 'not_a_message'], ['request_welcome', 'not_a_message'],
]);

/** Pure: the `messages` change of a WhatsApp Business Account → one envelope per customer message. */
export function normaliseWhatsAppValue(value: WhatsAppValue, receivedAt: Date): Normalised {
  const account = value.metadata.phone_number_id;
  const parts: Normalised[] = (value.messages ?? []).map((message) => {
    const notMessage = NOT_MESSAGES.get(message.type);
    if (notMessage) return skip(notMessage, message.type);
    // The answer to our request to call the user: a setting, not something they wrote.
    if (message.interactive?.type === 'call_permission_reply') return skip('not_a_message', 'interactive:call_permission_reply');
    const content = contentOf(message);
    if (!content) return skip('unknown', `whatsapp:${message.type}`);
    const contact = value.contacts?.find((c) =>
      (message.from !== undefined && c.wa_id === message.from) || (message.from_user_id !== undefined && c.user_id === message.from_user_id))
      ?? (value.contacts?.length === 1 ? value.contacts[0] : undefined);
    return published(newEnvelope({
      channel: 'whatsapp',
      account,
      sender: senderOf(message.from ?? contact?.wa_id, message.from_user_id ?? contact?.user_id),
      profile: { name: contact?.profile?.name },
      message: { ...content, providerId: message.id, sentAt: new Date(Number(message.timestamp) * 1000).toISOString(),
        threadId: message.context?.id },
    }, receivedAt));
  });
  parts.push(...(value.statuses ?? []).map(() => skip('status', 'statuses')));
  return combine(parts);
}

/**
 * The phone (`wa_id`, digits without `+`) is the identity when there is one; the business-scoped user id
 * rides along as an alias, so the contact is still found once the user hides their number.
 */
function senderOf(phoneDigits: string | undefined, bsuid: string | undefined): Sender {
  const phone = phoneDigits && /^\d+$/.test(phoneDigits) ? `+${phoneDigits}` : phoneDigits;
  if (phone) return { kind: 'whatsapp', id: phone, ...(bsuid ? { aliases: [{ kind: 'whatsapp_bsuid', id: bsuid }] } : {}) };
  if (bsuid) return { kind: 'whatsapp_bsuid', id: bsuid };
  throw new PayloadError('a WhatsApp message names no sender: it has neither `from` nor `from_user_id`');
}

type Content = { text?: string; attachments: Attachment[] };

function contentOf(message: WhatsAppMessage): Content | undefined {
  switch (message.type) {
    case 'text': return { text: message.text?.body, attachments: [] };
    case 'image': case 'video': case 'audio': case 'document': case 'sticker': {
      const media = message[message.type];
      return { text: media?.caption, attachments: media ? [mediaAttachment(message.type, media)] : [] };
    }
    case 'location': {
      const where = message.location;
      return { attachments: where ? [{ type: 'location', url: `geo:${where.latitude},${where.longitude}`,
        name: where.name ?? where.address }] : [] };
    }
    case 'contacts':
      return { attachments: (message.contacts ?? []).map((card) => ({ type: 'contact', name: card.name?.formatted_name })) };
    case 'interactive': {
      const reply = message.interactive;
      return { text: reply?.button_reply?.title ?? reply?.list_reply?.title ?? reply?.nfm_reply?.body, attachments: [] };
    }
    case 'button': return { text: message.button?.text, attachments: [] };
    case 'order': return { text: message.order?.text, attachments: [{ type: 'other' }] };
    // The customer did write: WhatsApp could not show us what. It still counts as their message.
    case 'unsupported': return { attachments: [] };
    default: return undefined;
  }
}

function mediaAttachment(type: 'image' | 'video' | 'audio' | 'document' | 'sticker',
  media: NonNullable<WhatsAppMessage['image']>): Attachment {
  return { type: type === 'document' ? 'file' : type, url: media.url, contentType: media.mime_type, name: media.filename,
    ref: media.id };
}
