import type { z } from 'zod';
import { parseWith } from '../../identity/parse.js';
import { newEnvelope, type Attachment, type Sender } from '../envelope.js';
import { combine, published, skip, type Normalised, type SkipReason } from '../types.js';
import { chatKind, identityOfJid } from './jid.js';
import { contentSchemas, upsertSchema, waMessageSchema, type ContentType, type MessagesUpsert, type WAMessage } from './schema.js';

/** A WhatsApp number linked as a device, as the normaliser needs to know it. */
export interface WhatsAppAccount {
  /** The configured name: the `account` of its envelopes (a number can be re-linked; the name stays). */
  name: string;
  /** Whether group messages become envelopes. */
  groups: boolean;
}

/** Reads one `messages.upsert` payload (a parsed JSON line of a recording, or what Baileys emitted); throws a PayloadError naming what is wrong. */
export function parseUpsert(payload: unknown): MessagesUpsert {
  return parseWith(upsertSchema, payload);
}

/**
 * Pure: one `messages.upsert` event → an envelope per message a customer sent. `phoneOfLid` holds the phone
 * numbers the socket already knows for LIDs (digits by LID), so a LID-only message still carries the phone.
 * Both `notify` (received live) and `append` (the offline queue delivered on connect) are read: each is a
 * message the customer sent, and Baileys acknowledged it to WhatsApp before emitting it.
 */
export function normaliseUpsert(upsert: MessagesUpsert, account: WhatsAppAccount, receivedAt: Date,
  phoneOfLid: ReadonlyMap<string, string> = new Map()): Normalised {
  return combine(upsert.messages.map((candidate) => {
    const parsed = waMessageSchema.safeParse(candidate);
    return parsed.success ? normaliseMessage(parsed.data, account, receivedAt, phoneOfLid) : skip('unreadable', 'whatsapp:message');
  }));
}

/** The LIDs of senders that came without a phone: the ones worth looking up before normalising. */
export function lidsWithoutPhone(upsert: MessagesUpsert): string[] {
  return upsert.messages.flatMap((candidate) => {
    const parsed = waMessageSchema.safeParse(candidate);
    if (!parsed.success) return [];
    const identities = senderJids(parsed.data).map(identityOfJid);
    if (identities.some((identity) => identity?.kind === 'phone')) return [];
    return identities.flatMap((identity) => (identity?.kind === 'lid' ? [identity.id] : []));
  });
}

/** Chats no customer writes from, and why their messages are not customer messages. */
const NOT_A_CONVERSATION: Partial<Record<ReturnType<typeof chatKind>, string>> = {
  status: 'status@broadcast', newsletter: 'newsletter', system: 'system',
};

function normaliseMessage(message: WAMessage, account: WhatsAppAccount, receivedAt: Date,
  phoneOfLid: ReadonlyMap<string, string>): Normalised {
  const { key } = message;
  if (key.fromMe) return skip('echo', 'fromMe');
  const chat = key.remoteJid;
  if (!chat || !key.id) return skip('unreadable', 'whatsapp:no_key');
  const kind = chatKind(chat);
  const notConversation = NOT_A_CONVERSATION[kind];
  if (notConversation) return skip('not_a_message', notConversation);
  if (kind === 'group' && !account.groups) return skip('group', 'group');
  // A group notification (someone joined, the subject changed) or an undecryptable placeholder: nobody wrote it.
  if (!message.message) return skip('not_a_message', message.messageStubType === undefined || message.messageStubType === null ? 'empty' : `stub:${message.messageStubType}`);

  const found = contentOf(message.message);
  if ('skipped' in found) return skip(found.skipped, found.type);
  const sender = senderOf(message, phoneOfLid);
  if (!sender) return skip('no_sender', 'whatsapp:no_sender');
  const seconds = message.messageTimestamp;
  const sentAt = seconds && seconds > 0 && seconds < 253_402_300_800 ? new Date(seconds * 1000) : receivedAt;
  return published(newEnvelope({
    channel: 'whatsapp',
    account: account.name,
    sender,
    // A hint, cut to what the envelope holds; a real push name is at most 25 characters.
    profile: { name: (message.pushName?.trim() || message.verifiedBizName?.trim() || undefined)?.slice(0, 512) },
    message: {
      providerId: key.id,
      // WhatsApp caps a message at 65,536 characters; only a forged event reaches the envelope's limit.
      text: found.text?.slice(0, 262_144),
      attachments: found.attachments,
      sentAt: sentAt.toISOString(),
      // A reply in a group goes to the group: its JID is the thread. In a one-to-one chat, as with the Cloud
      // API, the thread is the message replied to.
      threadId: kind === 'group' ? chat : found.repliesTo,
    },
  }, receivedAt));
}

/** The JIDs that may name the sender: in a group or broadcast list the participant, otherwise the chat; with their alternatives. */
function senderJids(message: WAMessage): (string | null | undefined)[] {
  const { key } = message;
  const kind = key.remoteJid ? chatKind(key.remoteJid) : 'person';
  if (kind === 'group' || kind === 'broadcast_list') {
    return [key.participant ?? (message as { participant?: string | null }).participant, key.participantAlt,
      key.participantPn, key.participantLid, key.senderPn, key.senderLid];
  }
  return [key.remoteJid, key.remoteJidAlt, key.senderPn, key.senderLid];
}

/**
 * The phone is the sender when the event (or the socket's LID mapping) gives one: the same number over Baileys,
 * the Cloud API and Twilio is one `whatsapp` identity. The LID rides along as an alias, so a later message
 * that names only the LID finds the same contact. A LID alone is the sender, never parsed as a phone.
 */
function senderOf(message: WAMessage, phoneOfLid: ReadonlyMap<string, string>): Sender | undefined {
  let phone: string | undefined;
  let lid: string | undefined;
  for (const identity of senderJids(message).map(identityOfJid)) {
    if (identity?.kind === 'phone') phone ??= identity.digits;
    if (identity?.kind === 'lid') lid ??= identity.id;
  }
  if (!phone && lid) phone = phoneOfLid.get(lid);
  if (phone) return { kind: 'whatsapp', id: `+${phone}`, ...(lid ? { aliases: [{ kind: 'whatsapp_lid', id: lid }] } : {}) };
  if (lid) return { kind: 'whatsapp_lid', id: lid };
  return undefined;
}

type Content = { text?: string; attachments: Attachment[]; repliesTo?: string };
type Found = Content | { skipped: SkipReason; type: string };

/** Wrappers around the real content: disappearing, view-once, a document sent with a caption. */
const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension',
  'documentWithCaptionMessage', 'associatedChildMessage'] as const;

/** Protocol messages that change an earlier message rather than say something new. */
const PROTOCOL_SKIPS: ReadonlyMap<number | string, SkipReason> = new Map<number | string, SkipReason>([
  [0, 'delete'], ['REVOKE', 'delete'], [14, 'edit'], ['MESSAGE_EDIT', 'edit'],
]);

/** Content that is a customer acting on something, not writing. */
const NOT_CONTENT: ReadonlyMap<string, SkipReason> = new Map<string, SkipReason>([
  ['reactionMessage', 'reaction'], ['encReactionMessage', 'reaction'], ['pollUpdateMessage', 'reaction'],
  ['editedMessage', 'edit'], ['keepInChatMessage', 'not_a_message'], ['pinInChatMessage', 'not_a_message'],
  ['senderKeyDistributionMessage', 'not_a_message'], ['messageContextInfo', 'not_a_message'],
  ['callLogMesssage', 'not_a_message'], ['encEventResponseMessage', 'reaction'],
  ['groupStatusMessage', 'not_a_message'], ['groupStatusMessageV2', 'not_a_message'],
]);

function contentOf(raw: Record<string, unknown>): Found {
  let content = raw;
  for (let depth = 0; depth < 5; depth++) {
    if (content.editedMessage) return { skipped: 'edit', type: 'editedMessage' };
    const wrapper = WRAPPERS.find((name) => isRecord(content[name]) && isRecord((content[name] as { message?: unknown }).message));
    if (!wrapper) break;
    content = (content[wrapper] as { message: Record<string, unknown> }).message;
  }
  const types = Object.keys(content).filter((name) => content[name] !== null && content[name] !== undefined);
  const type = types.find((name) => Object.hasOwn(contentSchemas, name)) as ContentType | undefined;
  if (!type) {
    const other = types.find((name) => NOT_CONTENT.has(name));
    if (other) return { skipped: NOT_CONTENT.get(other)!, type: other };
    return { skipped: 'unknown', type: `whatsapp:${types.find((name) => name !== 'messageContextInfo') ?? 'empty'}` };
  }
  const value = contentSchemas[type].safeParse(content[type]);
  if (!value.success) return { skipped: 'unreadable', type };
  return readContent(type, value.data);
}

function readContent(type: ContentType, value: unknown): Found {
  switch (type) {
    case 'conversation': return { text: value as string, attachments: [] };
    case 'extendedTextMessage': {
      const text = value as Parsed<'extendedTextMessage'>;
      return { text: text.text ?? undefined, attachments: [], repliesTo: text.contextInfo?.stanzaId ?? undefined };
    }
    case 'imageMessage': case 'videoMessage': case 'ptvMessage': case 'audioMessage': case 'documentMessage': case 'stickerMessage': {
      const media = value as Parsed<'imageMessage'>;
      return { text: media.caption ?? undefined, attachments: [mediaAttachment(type, media)], repliesTo: media.contextInfo?.stanzaId ?? undefined };
    }
    case 'locationMessage': case 'liveLocationMessage': {
      const where = value as Parsed<'locationMessage'>;
      return { text: locationText(where), attachments: [locationAttachment(where)], repliesTo: where.contextInfo?.stanzaId ?? undefined };
    }
    case 'contactMessage': {
      const card = value as Parsed<'contactMessage'>;
      return { text: contactText([card]), attachments: [contactAttachment(card)] };
    }
    case 'contactsArrayMessage': {
      const cards = (value as Parsed<'contactsArrayMessage'>).contacts ?? [];
      return { text: contactText(cards), attachments: cards.map(contactAttachment) };
    }
    case 'buttonsResponseMessage': case 'templateButtonReplyMessage': {
      const reply = value as Parsed<'buttonsResponseMessage'>;
      return { text: reply.selectedDisplayText ?? undefined, attachments: [], repliesTo: reply.contextInfo?.stanzaId ?? undefined };
    }
    case 'listResponseMessage': {
      const reply = value as Parsed<'listResponseMessage'>;
      return { text: reply.title ?? reply.description ?? undefined, attachments: [], repliesTo: reply.contextInfo?.stanzaId ?? undefined };
    }
    case 'interactiveResponseMessage': {
      const reply = value as Parsed<'interactiveResponseMessage'>;
      return { text: reply.body?.text ?? undefined, attachments: [], repliesTo: reply.contextInfo?.stanzaId ?? undefined };
    }
    case 'pollCreationMessage': case 'pollCreationMessageV2': case 'pollCreationMessageV3': {
      const poll = value as Parsed<'pollCreationMessage'>;
      const options = (poll.options ?? []).flatMap((option) => (option.optionName ? [`- ${option.optionName}`] : []));
      return { text: [poll.name ?? 'Poll', ...options].join('\n'), attachments: [] };
    }
    case 'protocolMessage': {
      const kind = (value as Parsed<'protocolMessage'>).type;
      const reason = kind === null || kind === undefined ? undefined : PROTOCOL_SKIPS.get(kind);
      return { skipped: reason ?? 'not_a_message', type: `protocolMessage:${kind ?? 'unknown'}` };
    }
  }
}

type Parsed<T extends ContentType> = z.infer<(typeof contentSchemas)[T]>;

const MEDIA_TYPES: Record<string, Attachment['type']> = {
  imageMessage: 'image', videoMessage: 'video', ptvMessage: 'video', audioMessage: 'audio', documentMessage: 'file', stickerMessage: 'sticker',
};

/** What the message says about its file; the file stays on WhatsApp's servers (it is end-to-end encrypted there). */
function mediaAttachment(type: ContentType, media: Parsed<'imageMessage'>): Attachment {
  return {
    type: MEDIA_TYPES[type]!,
    contentType: media.mimetype ?? undefined,
    name: (media.fileName ?? media.title ?? undefined)?.slice(0, 1024),
    size: media.fileLength !== null && media.fileLength !== undefined && Number.isSafeInteger(media.fileLength) ? media.fileLength : undefined,
  };
}

function locationText(where: Parsed<'locationMessage'>): string {
  const place = [where.name, where.address].filter(Boolean).join(', ');
  const point = where.degreesLatitude !== null && where.degreesLatitude !== undefined
    && where.degreesLongitude !== null && where.degreesLongitude !== undefined ? `${where.degreesLatitude}, ${where.degreesLongitude}` : '';
  return [where.caption, `Location: ${[place, point].filter(Boolean).join(' ') || 'unknown'}`].filter(Boolean).join('\n');
}

function locationAttachment(where: Parsed<'locationMessage'>): Attachment {
  const known = typeof where.degreesLatitude === 'number' && typeof where.degreesLongitude === 'number';
  return { type: 'location', ...(known ? { url: `geo:${where.degreesLatitude},${where.degreesLongitude}` } : {}),
    name: (where.name ?? where.address ?? undefined)?.slice(0, 1024) };
}

/** The numbers a vCard gives: WhatsApp's `waid` when it has one, else what the TEL line says. */
function phonesOf(vcard: string | null | undefined): string[] {
  if (!vcard) return [];
  return vcard.split(/\r?\n/).filter((line) => /^(?:item\d+\.)?TEL[;:]/i.test(line)).slice(0, 10).map((line) => {
    const waid = /waid=(\d{6,15})/i.exec(line)?.[1];
    return waid ? `+${waid}` : line.slice(line.indexOf(':') + 1).trim();
  }).filter(Boolean);
}

function contactText(cards: readonly Parsed<'contactMessage'>[]): string {
  return cards.map((card) => `Contact: ${[card.displayName ?? 'unnamed', ...phonesOf(card.vcard)].join(' ')}`).join('\n');
}

function contactAttachment(card: Parsed<'contactMessage'>): Attachment {
  const phone = phonesOf(card.vcard).find((number) => /^\+[1-9]\d{5,14}$/.test(number.replace(/[\s-]/g, '')));
  return { type: 'contact', name: card.displayName?.slice(0, 1024) ?? undefined, ...(phone ? { url: `tel:${phone.replace(/[\s-]/g, '')}` } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
