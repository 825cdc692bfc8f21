import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CHANNELS, SENDER_KINDS, type Channel } from '../identity/channels.js';
import { isStorable, storableDeep } from '../identity/text.js';

const isoTime = z.iso.datetime({ offset: true });

export const attachmentSchema = z.object({
  type: z.enum(['image', 'video', 'audio', 'file', 'location', 'contact', 'sticker', 'other']),
  url: z.string().max(4096).optional(),
  contentType: z.string().max(255).optional(),
  name: z.string().max(1024).optional(),
  size: z.number().int().nonnegative().optional(),
  /** The provider's handle for fetching the file when it sends no URL: a Telegram `file_id`, a WhatsApp media id. */
  ref: z.string().max(1024).optional(),
});

const identitySchema = z.object({
  kind: z.enum(SENDER_KINDS),
  id: z.string().min(1).max(512),
  /** The account, page or site that scopes the id; absent for globally unique ids (phones, emails). */
  scope: z.string().min(1).max(512).optional(),
});

export const senderSchema = identitySchema.extend({
  /**
   * Other identities the provider vouches for in the same message, e.g. a WhatsApp user's business-scoped
   * user id beside the phone. The resolver matches on any of them and records the ones it had not seen.
   */
  aliases: z.array(identitySchema).max(4).optional(),
});

export const profileSchema = z.object({
  name: z.string().max(512).optional(),
  firstName: z.string().max(256).optional(),
  lastName: z.string().max(256).optional(),
  email: z.string().max(512).optional(),
  phone: z.string().max(64).optional(),
  avatarUrl: z.string().max(4096).optional(),
  language: z.string().max(35).optional(),
  country: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
  username: z.string().max(256).optional(),
});

export const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.uuid(),
  channel: z.enum(CHANNELS),
  account: z.string().min(1).max(512),
  sender: senderSchema,
  profile: profileSchema,
  message: z.object({
    providerId: z.string().min(1).max(512),
    text: z.string().max(262_144).optional(),
    /** An email's subject; other channels have none. */
    subject: z.string().max(2_000).optional(),
    attachments: z.array(attachmentSchema).max(100),
    sentAt: isoTime,
    threadId: z.string().max(512).optional(),
  }),
  receivedAt: isoTime,
}).superRefine((envelope, context) => {
  // Our connectors clean every string (newEnvelope); a record from elsewhere that PostgreSQL cannot store is refused here, by name.
  const path = unstorablePath(envelope);
  if (path) context.addIssue({ code: 'custom', path, message: 'must not contain NUL (U+0000) or a lone surrogate' });
});

/**
 * Where the first string PostgreSQL cannot store sits, or undefined. Every envelope passes here twice (gateway,
 * resolver), so the path is built on the way back up, only when there is one.
 */
function unstorablePath(value: unknown): (string | number)[] | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : [];
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = unstorablePath(value[index]);
      if (found) return [index, ...found];
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = unstorablePath((value as Record<string, unknown>)[key]);
    if (found) return [key, ...found];
  }
  return undefined;
}

export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * The record header that says a record's value is an envelope the publisher (connectors/publisher.ts) checked
 * against this contract, exactly as `JSON.stringify` wrote it: the resolver parses it without checking it again
 * and splices its resolved record from those bytes. A record without it (another producer's) is checked in full.
 */
export const CHECKED_HEADER = 'envelope-checked';
export const CHECKED_VERSION = 'v1';
export type Sender = z.infer<typeof senderSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type Attachment = z.infer<typeof attachmentSchema>;

export interface ResolvedContact {
  id: string;
  isNew: boolean;
  displayName: string;
  potentialDuplicates: number;
}

/** What downstream inbox services read from the resolved topic. */
export type ResolvedEnvelope = Envelope & { contact: ResolvedContact; resolvedAt: string };

/** RFC 4122 namespace for envelope ids (a fixed random UUID; never change it: ids would change). */
const ENVELOPE_NAMESPACE = Buffer.from('6f1c2b9e4d8a4f3bb0c5a7e2d9184c36', 'hex');

/**
 * A name-based (version 5) UUID of channel, receiving account and the provider's message id, so a
 * provider's retried delivery gets the id of the first one and the resolver can publish it once.
 */
export function envelopeId(channel: Channel, account: string, providerId: string): string {
  const hash = createHash('sha1').update(ENVELOPE_NAMESPACE).update(`${channel}\n${account}\n${providerId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * An envelope from what a connector read: the one place where what providers send is made storable (NUL and
 * lone surrogates become U+FFFD, see identity/text.ts). Its id is derived from channel, account and the
 * provider's message id, after cleaning, so a retried delivery gets the same id.
 */
export function newEnvelope(fields: Omit<Envelope, 'v' | 'id' | 'receivedAt'>, receivedAt: Date): Envelope {
  const clean = storableDeep(fields);
  return { v: 1, id: envelopeId(clean.channel, clean.account, clean.message.providerId), ...clean,
    receivedAt: receivedAt.toISOString() };
}

/**
 * The inbound record key: every message of one sender lands on one partition, in order. A sender's alias is
 * the more lasting id (a WhatsApp BSUID stays when the phone is hidden), so it is the key when there is one:
 * messages with and without the phone then reach the same resolver, one after the other, and cannot race
 * each other into two contacts.
 */
export function senderKey(sender: Sender): string {
  const { kind, scope, id } = sender.aliases?.[0] ?? sender;
  return `${kind}:${scope ?? ''}:${id}`;
}
