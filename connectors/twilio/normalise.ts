import type { Channel } from '../../identity/channels.js';
import { newEnvelope, type Attachment } from '../envelope.js';
import { published, skip, type Normalised } from '../types.js';
import type { TwilioWebhook } from './schema.js';

/**
 * Address prefixes Twilio puts on `From`/`To`, and the channel each one is. Plain numbers are SMS. A Map, as
 * every table looked up by what a provider sends: `__proto__:` or `constructor:` must find nothing.
 */
const CHANNEL_PREFIXES: ReadonlyMap<string, Extract<Channel, 'sms' | 'whatsapp'>> = new Map([['', 'sms'], ['whatsapp', 'whatsapp']]);

/** Pure: one Twilio webhook → the envelope of the message a customer sent, or why there is none. */
export function normaliseTwilio(webhook: TwilioWebhook, receivedAt: Date): Normalised {
  if (webhook.MessageStatus !== undefined || !['received', 'receiving', undefined].includes(webhook.SmsStatus)) {
    return skip('status', `status:${webhook.MessageStatus ?? webhook.SmsStatus}`);
  }
  const from = splitAddress(webhook.From);
  const channel = CHANNEL_PREFIXES.get(from.prefix);
  if (!channel) return skip('unknown', `address:${from.prefix}`);
  const account = splitAddress(webhook.To).address;
  const text = webhook.Body === '' ? undefined : webhook.Body;
  return published(newEnvelope({
    channel,
    account,
    sender: { kind: channel, id: from.address },
    profile: { name: webhook.ProfileName, country: webhook.FromCountry },
    message: { providerId: webhook.MessageSid, text, attachments: mediaOf(webhook), sentAt: receivedAt.toISOString() },
  }, receivedAt));
}

function splitAddress(value: string): { prefix: string; address: string } {
  const colon = value.indexOf(':');
  return colon < 0 ? { prefix: '', address: value } : { prefix: value.slice(0, colon).toLowerCase(), address: value.slice(colon + 1) };
}

function mediaOf(webhook: TwilioWebhook): Attachment[] {
  const attachments: Attachment[] = [];
  for (let n = 0; n < webhook.NumMedia; n++) {
    const url = webhook[`MediaUrl${n}`];
    const contentType = webhook[`MediaContentType${n}`];
    if (typeof url !== 'string') continue;
    attachments.push({ type: attachmentType(typeof contentType === 'string' ? contentType : ''), url,
      contentType: typeof contentType === 'string' ? contentType : undefined });
  }
  return attachments;
}

function attachmentType(contentType: string): Attachment['type'] {
  const major = contentType.split('/')[0];
  if (major === 'image' || major === 'video' || major === 'audio') return major;
  if (contentType === 'text/vcard' || contentType === 'text/x-vcard') return 'contact';
  return 'file';
}
