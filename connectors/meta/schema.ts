import { z } from 'zod';

/** Schemas of Meta's webhook bodies: one envelope format for Messenger, Instagram and the WhatsApp Cloud API. */

const metaId = z.string().min(1).max(256);

const messagingAttachment = z.object({
  type: z.string().max(64),
  payload: z.object({
    url: z.string().max(4096).optional(),
    title: z.string().max(1024).optional(),
    sticker_id: z.union([z.number(), z.string()]).optional(),
    coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
  }).nullish(),
});

/** One item of `entry[].messaging[]`. Only the parts a customer's message needs are checked; others are classified by key. */
export const messagingEventSchema = z.object({
  sender: z.object({ id: metaId }).optional(),
  recipient: z.object({ id: metaId }).optional(),
  timestamp: z.number().int().nonnegative().optional(),
  message: z.object({
    mid: z.string().min(1).max(512),
    text: z.string().max(65_536).optional(),
    is_echo: z.boolean().optional(),
    is_deleted: z.boolean().optional(),
    is_unsupported: z.boolean().optional(),
    attachments: z.array(messagingAttachment).max(100).optional(),
  }).optional(),
  postback: z.object({
    mid: z.string().max(512).optional(),
    title: z.string().max(1024).optional(),
    payload: z.string().max(4096).optional(),
  }).optional(),
}).catchall(z.unknown()).superRefine((event, context) => {
  if (!event.message && !event.postback) return;
  for (const key of ['sender', 'recipient', 'timestamp'] as const) {
    if (event[key] === undefined) context.addIssue({ code: 'custom', path: [key], message: 'is required on a message' });
  }
});

export const metaWebhookSchema = z.object({
  object: z.string().min(1).max(64),
  entry: z.array(z.object({
    id: metaId,
    time: z.number().optional(),
    messaging: z.array(messagingEventSchema).max(1000).optional(),
    standby: z.array(z.unknown()).optional(),
    changes: z.array(z.object({ field: z.string().max(128), value: z.unknown() })).max(1000).optional(),
  })).max(1000),
});

const whatsAppMedia = z.object({
  id: z.string().max(256).optional(),
  mime_type: z.string().max(255).optional(),
  url: z.string().max(4096).optional(),
  caption: z.string().max(65_536).optional(),
  filename: z.string().max(1024).optional(),
});

export const whatsAppMessageSchema = z.object({
  id: z.string().min(1).max(512),
  /** The sender's phone number (digits, no `+`); absent when the user hides it behind a username. */
  from: z.string().max(64).optional(),
  /** The business-scoped user id (BSUID), e.g. `US.13491208655302741918`. */
  from_user_id: z.string().max(256).optional(),
  timestamp: z.string().regex(/^\d{1,12}$/, 'must be Unix seconds'),
  type: z.string().max(64),
  text: z.object({ body: z.string().max(65_536) }).optional(),
  image: whatsAppMedia.optional(),
  video: whatsAppMedia.optional(),
  audio: whatsAppMedia.optional(),
  document: whatsAppMedia.optional(),
  sticker: whatsAppMedia.optional(),
  location: z.object({
    latitude: z.number(), longitude: z.number(), name: z.string().max(1024).optional(), address: z.string().max(1024).optional(),
  }).optional(),
  contacts: z.array(z.object({ name: z.object({ formatted_name: z.string().max(1024).optional() }).optional() })).optional(),
  interactive: z.object({
    type: z.string().max(64),
    button_reply: z.object({ title: z.string().max(1024) }).optional(),
    list_reply: z.object({ title: z.string().max(1024) }).optional(),
    nfm_reply: z.object({ body: z.string().max(65_536).optional() }).optional(),
  }).optional(),
  button: z.object({ text: z.string().max(1024) }).optional(),
  order: z.object({ text: z.string().max(65_536).optional() }).optional(),
  context: z.object({ id: z.string().max(512).optional() }).optional(),
}).catchall(z.unknown());

/** `changes[].value` of the `messages` field of a WhatsApp Business Account. */
export const whatsAppValueSchema = z.object({
  metadata: z.object({ display_phone_number: z.string().max(64), phone_number_id: metaId }),
  contacts: z.array(z.object({
    wa_id: z.string().max(64).optional(),
    user_id: z.string().max(256).optional(),
    profile: z.object({ name: z.string().max(1024).optional() }).optional(),
  })).max(1000).optional(),
  messages: z.array(whatsAppMessageSchema).max(1000).optional(),
  statuses: z.array(z.unknown()).optional(),
}).catchall(z.unknown());

export type MetaWebhook = z.infer<typeof metaWebhookSchema>;
export type MetaEntry = MetaWebhook['entry'][number];
export type MessagingEvent = z.infer<typeof messagingEventSchema>;
export type WhatsAppValue = z.infer<typeof whatsAppValueSchema>;
export type WhatsAppMessage = z.infer<typeof whatsAppMessageSchema>;
