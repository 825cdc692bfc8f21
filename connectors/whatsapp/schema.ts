import { z } from 'zod';

/**
 * What we read of Baileys 7's `messages.upsert` event (`{messages: WAMessage[], type}`), as Baileys emits it
 * and as it reads back from JSON: Longs as numbers, decimal strings or `{low, high, unsigned}`, enums as
 * numbers or their names. Everything else a message carries passes through unread.
 */

/** A protobuf uint64 (timestamps, file sizes) in any of its JSON forms, as a number. */
const long = z.union([
  z.number().finite().nonnegative(),
  z.string().regex(/^\d{1,20}$/).transform(Number),
  z.object({ low: z.number().int(), high: z.number().int(), unsigned: z.boolean().optional() })
    .transform((value) => (value.high >>> 0) * 2 ** 32 + (value.low >>> 0)),
]);

const text = z.string().max(262_144);
const shortText = z.string().max(4_096);

/** A JID: `user[_agent][:device]@server`. */
const jid = z.string().max(256);

export const messageKeySchema = z.looseObject({
  remoteJid: jid.nullish(),
  fromMe: z.boolean().nullish(),
  id: z.string().max(256).nullish(),
  participant: jid.nullish(),
  /** Baileys 7: the other addressing of `remoteJid` (a phone beside a LID, or the reverse). */
  remoteJidAlt: jid.nullish(),
  participantAlt: jid.nullish(),
  addressingMode: z.string().max(16).nullish(),
  /** Earlier 7.0 release candidates put the alternative addressing here. */
  senderPn: jid.nullish(),
  senderLid: jid.nullish(),
  participantPn: jid.nullish(),
  participantLid: jid.nullish(),
});

/** One WAMessage (proto.IWebMessageInfo plus Baileys' key fields). `message` is read per content type below. */
/** An object with fields: a plain one read from JSON, or a protobufjs message as the socket emits it. */
const fields = z.custom<Record<string, unknown>>((value) => value !== null && typeof value === 'object' && !Array.isArray(value),
  'must be an object');

export const waMessageSchema = z.looseObject({
  key: messageKeySchema,
  message: fields.nullish(),
  messageTimestamp: long.nullish(),
  pushName: shortText.nullish(),
  verifiedBizName: shortText.nullish(),
  messageStubType: z.union([z.number(), z.string()]).nullish(),
  broadcast: z.boolean().nullish(),
});

export const upsertSchema = z.object({
  messages: z.array(z.unknown()).max(10_000),
  /** `notify`: received live; `append`: delivered from the server's offline queue on connect, or re-sent by the phone. */
  type: z.enum(['notify', 'append']),
  requestId: z.string().optional(),
}).loose();

export type WAMessageKey = z.infer<typeof messageKeySchema>;
export type WAMessage = z.infer<typeof waMessageSchema>;
export type MessagesUpsert = z.infer<typeof upsertSchema>;

const contextInfo = z.looseObject({ stanzaId: z.string().max(256).nullish() }).nullish();

const media = z.looseObject({
  caption: text.nullish(),
  mimetype: z.string().max(255).nullish(),
  fileLength: long.nullish(),
  fileName: shortText.nullish(),
  title: shortText.nullish(),
  ptt: z.boolean().nullish(),
  contextInfo,
});

const contactCard = z.looseObject({ displayName: shortText.nullish(), vcard: z.string().max(65_536).nullish() });

const location = z.looseObject({
  degreesLatitude: z.number().min(-90).max(90).nullish(),
  degreesLongitude: z.number().min(-180).max(180).nullish(),
  name: shortText.nullish(),
  address: shortText.nullish(),
  caption: shortText.nullish(),
  contextInfo,
});

const poll = z.looseObject({ name: shortText.nullish(), options: z.array(z.looseObject({ optionName: shortText.nullish() })).max(100).nullish() });

/** The content types we read, each as Baileys (protobufjs) names it in `message`. */
export const contentSchemas = {
  conversation: text,
  extendedTextMessage: z.looseObject({ text: text.nullish(), contextInfo }),
  imageMessage: media,
  videoMessage: media,
  ptvMessage: media,
  audioMessage: media,
  documentMessage: media,
  stickerMessage: media,
  locationMessage: location,
  liveLocationMessage: location,
  contactMessage: contactCard,
  contactsArrayMessage: z.looseObject({ displayName: shortText.nullish(), contacts: z.array(contactCard).max(100).nullish() }),
  buttonsResponseMessage: z.looseObject({ selectedDisplayText: shortText.nullish(), selectedButtonId: shortText.nullish(), contextInfo }),
  templateButtonReplyMessage: z.looseObject({ selectedDisplayText: shortText.nullish(), selectedId: shortText.nullish(), contextInfo }),
  listResponseMessage: z.looseObject({ title: shortText.nullish(), description: shortText.nullish(), contextInfo }),
  interactiveResponseMessage: z.looseObject({ body: z.looseObject({ text: shortText.nullish() }).nullish(), contextInfo }),
  pollCreationMessage: poll,
  pollCreationMessageV2: poll,
  pollCreationMessageV3: poll,
  protocolMessage: z.looseObject({ type: z.union([z.number(), z.string()]).nullish() }),
} as const;

export type ContentType = keyof typeof contentSchemas;
