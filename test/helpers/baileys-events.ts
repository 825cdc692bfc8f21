import { cleanMessage, decodeMessageNode, proto, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys';

/**
 * `messages.upsert` events exactly as Baileys 7 emits them, without WhatsApp's servers: each message starts as
 * the stanza WhatsApp would send, goes through Baileys' own `decodeMessageNode` (key, addressing, `fromMe`,
 * `remoteJidAlt`/`participantAlt`), gets its decrypted content as a `proto.Message`, and is cleaned with
 * Baileys' `cleanMessage` (device suffixes dropped, hosted JIDs mapped), as `messages-recv` does before
 * `upsertMessage`. Only the decryption is skipped.
 */

/** The linked device: our business number, device 3, and its LID. */
export const ME = { id: '4915100000001:3@s.whatsapp.net', lid: '200000000000001:3@lid' };

/** The stanza's attributes: `from`, and `participant`, `recipient`, `addressing_mode`, `sender_pn`, … as WhatsApp sends them. */
type StanzaAttrs = Record<string, string>;

let counter = 0;

/** One received message, as Baileys hands it to `upsertMessage`. */
export function receivedMessage(attrs: StanzaAttrs, content: proto.IMessage, options: { id?: string; t?: number } = {}): WAMessage {
  counter++;
  const stanza = { tag: 'message', attrs: { id: options.id ?? `3EB0${String(counter).padStart(16, '0')}`, t: String(options.t ?? 1_764_500_000 + counter),
    type: 'text', ...attrs }, content: [] };
  const { fullMessage } = decodeMessageNode(stanza, ME.id, ME.lid);
  fullMessage.message = proto.Message.fromObject(content);
  cleanMessage(fullMessage, ME.id, ME.lid);
  return fullMessage;
}

export function upsert(messages: WAMessage[], type: 'notify' | 'append' = 'notify'): BaileysEventMap['messages.upsert'] {
  return { messages, type };
}

const CUSTOMER = '4915112345678@s.whatsapp.net';
const CUSTOMER_LID = '123456789012345@lid';
const GROUP = '120363000000000000@g.us';

/** The cases the normaliser is tested on, by name: each one `messages.upsert` event. */
export function baileysCases(): Record<string, BaileysEventMap['messages.upsert']> {
  counter = 0;
  const one = (attrs: StanzaAttrs, content: proto.IMessage, options?: { id?: string; t?: number }) => upsert([receivedMessage(attrs, content, options)]);
  const quoted = { remoteJid: CUSTOMER, fromMe: true, id: '3EB0AAAAAAAAAAAAAAAA' };
  return {
    text: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { conversation: 'Hello, is the shop open today?' }),
    extended_text_device_suffix: one({ from: '4915112345678:2@s.whatsapp.net', notify: 'Erika Mustermann', sender_lid: '123456789012345:2@lid' },
      { extendedTextMessage: { text: 'About my order: https://shop.example/orders/42', contextInfo: { stanzaId: quoted.id, participant: ME.id,
        quotedMessage: { conversation: 'Your order has shipped' } } } }),
    image_caption: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { imageMessage: { url: 'https://mmg.whatsapp.net/v/t62.7118-24/abc.enc',
      mimetype: 'image/jpeg', caption: 'Photo of the broken part', fileLength: 48_213, height: 1280, width: 960,
      mediaKey: new Uint8Array(32).fill(7), fileSha256: new Uint8Array(32).fill(1), fileEncSha256: new Uint8Array(32).fill(2),
      directPath: '/v/t62.7118-24/abc.enc', jpegThumbnail: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]) } }),
    document: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { documentWithCaptionMessage: { message: { documentMessage: {
      mimetype: 'application/pdf', fileName: 'invoice-1042.pdf', title: 'invoice-1042', fileLength: 120_034, pageCount: 2,
      caption: 'Here is the invoice', mediaKey: new Uint8Array(32).fill(3) } } } }),
    voice_note: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { audioMessage: { mimetype: 'audio/ogg; codecs=opus', seconds: 7, ptt: true,
      fileLength: 10_240 } }),
    location: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { locationMessage: { degreesLatitude: 52.520008, degreesLongitude: 13.404954,
      name: 'Alexanderplatz', address: 'Alexanderplatz, 10178 Berlin' } }),
    contact_card: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { contactMessage: { displayName: 'Jane Roe',
      vcard: 'BEGIN:VCARD\nVERSION:3.0\nN:Roe;Jane;;;\nFN:Jane Roe\nitem1.TEL;waid=4917612345678:+49 176 12345678\nitem1.X-ABLabel:Mobile\nEND:VCARD' } }),
    disappearing: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { ephemeralMessage: { message: { extendedTextMessage: {
      text: 'This message will disappear', contextInfo: { expiration: 604_800 } } } } }),
    reaction: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { reactionMessage: { key: quoted, text: '👍', senderTimestampMs: 1_764_500_100_000 } }),
    revoke: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { protocolMessage: { key: { ...quoted, fromMe: false },
      type: proto.Message.ProtocolMessage.Type.REVOKE } }),
    edit: one({ from: CUSTOMER, notify: 'Erika Mustermann' }, { protocolMessage: { key: { ...quoted, fromMe: false },
      type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT, editedMessage: { conversation: 'Hello, is the shop open tomorrow?' },
      timestampMs: 1_764_500_200_000 } }),
    ephemeral_setting: one({ from: CUSTOMER }, { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING,
      ephemeralExpiration: 604_800 } }),
    from_me: one({ from: '4915100000001:5@s.whatsapp.net', recipient: CUSTOMER }, { conversation: 'Sent from the phone app' }),
    status_broadcast: one({ from: 'status@broadcast', participant: CUSTOMER, notify: 'Erika Mustermann' },
      { imageMessage: { mimetype: 'image/jpeg', caption: 'My holiday', fileLength: 1_000 } }),
    newsletter: one({ from: '120363111111111111@newsletter', server_id: '101' }, { conversation: 'Our weekly channel update' }),
    group_participant: one({ from: GROUP, participant: '123456789012345:7@lid', addressing_mode: 'lid',
      participant_pn: '4915112345678@s.whatsapp.net', notify: 'Erika Mustermann' }, { conversation: 'Hi all, who handles returns?' }),
    lid_only: one({ from: '987654321098765:12@lid', addressing_mode: 'lid', notify: 'Max' }, { conversation: 'Hi, I found you on Instagram' },
      { t: 1_764_400_000 }),
    lid_with_phone: one({ from: '987654321098765@lid', addressing_mode: 'lid', sender_pn: '4917698765432@s.whatsapp.net', notify: 'Max' },
      { conversation: 'Here is my number, call me' }, { t: 1_764_400_100 }),
    hosted_device: one({ from: '4915155555555:99@hosted', notify: 'Hosted Shop GmbH' }, { conversation: 'We are a business writing to you' }),
    poll_vote: one({ from: CUSTOMER }, { pollUpdateMessage: { pollCreationMessageKey: quoted, vote: { encPayload: new Uint8Array(8), encIv: new Uint8Array(12) } } }),
    offline_batch: upsert([
      receivedMessage({ from: '4917700000001@s.whatsapp.net', notify: 'Offline One', offline: '1' }, { conversation: 'Sent while you were offline' }),
      receivedMessage({ from: '4917700000002@s.whatsapp.net', notify: 'Offline Two', offline: '1' }, { conversation: 'Me too' }),
    ], 'append'),
  };
}

/** A group notification (someone added): no content, only a stub type, as Baileys emits it for notifications. */
export function groupStub(): BaileysEventMap['messages.upsert'] {
  return upsert([{ key: { remoteJid: GROUP, fromMe: false, id: '3EB0STUB000000000001', participant: CUSTOMER_LID },
    messageTimestamp: 1_764_500_500, messageStubType: proto.WebMessageInfo.StubType.GROUP_PARTICIPANT_ADD,
    messageStubParameters: [CUSTOMER] }]);
}
