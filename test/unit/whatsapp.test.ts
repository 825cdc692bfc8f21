import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { envelopeSchema, type Envelope } from '../../connectors/envelope.js';
import { chatKind, identityOfJid } from '../../connectors/whatsapp/jid.js';
import { lidsWithoutPhone, normaliseUpsert, parseUpsert, type WhatsAppAccount } from '../../connectors/whatsapp/normalise.js';
import { PayloadError } from '../../identity/parse.js';
import { streamContract } from '../contract/stream.contract.js';
import { baileysCases, groupStub, receivedMessage, upsert } from '../helpers/baileys-events.js';
import { hostileJson, hostileString, mutated } from '../helpers/hostile.js';

const fixture = (path: string) => new URL(`../fixtures/${path}`, import.meta.url);
const sales: WhatsAppAccount = { name: 'sales', groups: false };
const receivedAt = new Date('2026-11-30T12:00:00Z');
const cases = baileysCases();
/** A case as the socket emits it (protobuf objects: Longs, enum numbers, byte arrays), and as a recording reads back. */
const live = (name: string) => parseUpsert(cases[name]);
const recorded = (name: string) => parseUpsert(JSON.parse(JSON.stringify(cases[name])));
const only = (name: string, account = sales): Envelope => {
  const { envelopes, skipped } = normaliseUpsert(live(name), account, receivedAt);
  expect(skipped, name).to.deep.equal([]);
  expect(envelopes, name).to.have.length(1);
  return envelopes[0]!;
};
const reasons = (name: string, account = sales) => normaliseUpsert(live(name), account, receivedAt).skipped;

streamContract({
  channel: 'WhatsApp Web',
  samples: () => readFileSync(fixture('whatsapp-web/upserts.jsonl'), 'utf8').trim().split('\n')
    .map((line, index): [string, unknown] => [`upserts.jsonl line ${index + 1}`, JSON.parse(line)]),
  normalise: (sample, at) => normaliseUpsert(parseUpsert(sample), { name: 'sales', groups: true }, at),
});

describe('WhatsApp Web (Baileys) normalisation', () => {
  describe('JIDs, over Baileys\' own vectors', () => {
    const vectors = JSON.parse(readFileSync(fixture('normalisation/baileys-jid-vectors.json'), 'utf8')).cases as
      { input: string; expected_normalised: string; kind: string; phone_e164: string | null }[];
    const chats: Record<string, string> = { legacy_group: 'group', group: 'group', status_broadcast: 'status', newsletter_channel: 'newsletter',
      broadcast_list: 'broadcast_list', psa: 'system', meta_ai: 'system', official_business_c_us: 'system' };
    for (const vector of vectors) {
      const jid = vector.input.replace('<digits>', '120363000000000001');
      it(`${vector.kind}: ${vector.input}`, () => {
        const identity = identityOfJid(jid);
        if (vector.phone_e164) {
          expect(identity).to.deep.equal({ kind: 'phone', digits: vector.phone_e164.slice(1) });
        } else if (vector.kind.includes('lid')) {
          expect(identity).to.deep.equal({ kind: 'lid', id: vector.expected_normalised.split('@')[0] });
        } else {
          expect(identity, 'never a person\'s phone').to.equal(undefined);
        }
        expect(chatKind(jid)).to.equal(chats[vector.kind.replace('.', '_')] ?? 'person');
      });
    }
    it('never reads a LID as a phone, nor a malformed number as one', () => {
      expect(identityOfJid('491511234567@lid')).to.deep.equal({ kind: 'lid', id: '491511234567' });
      for (const jid of ['@s.whatsapp.net', '+4915112345678@s.whatsapp.net', '0123456@s.whatsapp.net', '12345@s.whatsapp.net',
        '1234567890123456@s.whatsapp.net', 'abc@s.whatsapp.net', '4915112345678', '', 'x@lid']) {
        expect(identityOfJid(jid), jid).to.equal(undefined);
      }
    });
  });

  describe('messages customers send', () => {
    it('text: the phone (device suffix dropped) as a whatsapp identity, the push name, the message id and time', () => {
      const envelope = only('text');
      expect(envelope).to.deep.include({ channel: 'whatsapp', account: 'sales', sender: { kind: 'whatsapp', id: '+4915112345678' },
        profile: { name: 'Erika Mustermann' } });
      expect(envelope.message).to.deep.equal({ providerId: '3EB00000000000000001', text: 'Hello, is the shop open today?', attachments: [],
        sentAt: '2025-11-30T10:53:21.000Z' });
    });
    it('extended text from a second device: the LID beside the phone rides along as an alias; the quoted message is the thread', () => {
      const envelope = only('extended_text_device_suffix');
      expect(envelope.sender).to.deep.equal({ kind: 'whatsapp', id: '+4915112345678', aliases: [{ kind: 'whatsapp_lid', id: '123456789012345' }] });
      expect(envelope.message).to.deep.include({ text: 'About my order: https://shop.example/orders/42', threadId: '3EB0AAAAAAAAAAAAAAAA' });
    });
    it('an image: its caption as the text, its type and size; the encrypted CDN URL is not an address anyone can fetch', () => {
      expect(only('image_caption').message).to.deep.include({ text: 'Photo of the broken part',
        attachments: [{ type: 'image', contentType: 'image/jpeg', size: 48_213 }] });
    });
    it('a document sent with a caption (documentWithCaptionMessage), and a voice note', () => {
      expect(only('document').message).to.deep.include({ text: 'Here is the invoice',
        attachments: [{ type: 'file', contentType: 'application/pdf', name: 'invoice-1042.pdf', size: 120_034 }] });
      const voice = only('voice_note').message;
      expect(voice.text).to.equal(undefined);
      expect(voice.attachments).to.deep.equal([{ type: 'audio', contentType: 'audio/ogg; codecs=opus', size: 10_240 }]);
    });
    it('a location and a contact card: as text, and as a structured attachment', () => {
      expect(only('location').message).to.deep.include({ text: 'Location: Alexanderplatz, Alexanderplatz, 10178 Berlin 52.520008, 13.404954',
        attachments: [{ type: 'location', url: 'geo:52.520008,13.404954', name: 'Alexanderplatz' }] });
      expect(only('contact_card').message).to.deep.include({ text: 'Contact: Jane Roe +4917612345678',
        attachments: [{ type: 'contact', name: 'Jane Roe', url: 'tel:+4917612345678' }] });
    });
    it('a disappearing message is read through its wrapper', () => {
      expect(only('disappearing').message.text).to.equal('This message will disappear');
    });
    it('a hosted number (a business on the Cloud API writing to us) is a phone', () => {
      expect(only('hosted_device').sender).to.deep.equal({ kind: 'whatsapp', id: '+4915155555555' });
    });
    it('messages the server kept while we were offline (type append) are customer messages too', () => {
      const { envelopes } = normaliseUpsert(live('offline_batch'), sales, receivedAt);
      expect(envelopes.map((envelope) => envelope.sender.id)).to.deep.equal(['+4917700000001', '+4917700000002']);
    });
  });

  describe('identities', () => {
    it('a sender known only by a LID is an opaque whatsapp_lid identity, never parsed as a phone', () => {
      expect(only('lid_only').sender).to.deep.equal({ kind: 'whatsapp_lid', id: '987654321098765' });
    });
    it('a LID with the phone beside it (remoteJidAlt): the phone is the sender, the LID an alias', () => {
      expect(only('lid_with_phone').sender).to.deep.equal({ kind: 'whatsapp', id: '+4917698765432',
        aliases: [{ kind: 'whatsapp_lid', id: '987654321098765' }] });
    });
    it('a LID whose phone the socket already knows carries the phone', () => {
      const upserted = live('lid_only');
      expect(lidsWithoutPhone(upserted)).to.deep.equal(['987654321098765']);
      const { envelopes } = normaliseUpsert(upserted, sales, receivedAt, new Map([['987654321098765', '4917698765432']]));
      expect(envelopes[0]!.sender).to.deep.equal({ kind: 'whatsapp', id: '+4917698765432', aliases: [{ kind: 'whatsapp_lid', id: '987654321098765' }] });
    });
    it('the same phone over Baileys and over the Cloud API is the same identity', () => {
      expect(only('text').sender).to.deep.equal({ kind: 'whatsapp', id: '+4915112345678' });
      // connectors/meta/whatsapp.ts makes `+` and the wa_id's digits: the same (kind, id).
    });
    it('older release candidates\' senderPn beside a LID is read the same way', () => {
      const message = receivedMessage({ from: '555000111222333@lid', addressing_mode: 'lid' }, { conversation: 'hi' });
      const { envelopes } = normaliseUpsert(parseUpsert(upsert([{ ...message, key: { ...message.key, senderPn: '4915199999999@s.whatsapp.net' } as typeof message.key }])), sales, receivedAt);
      expect(envelopes[0]!.sender).to.deep.equal({ kind: 'whatsapp', id: '+4915199999999', aliases: [{ kind: 'whatsapp_lid', id: '555000111222333' }] });
    });
  });

  describe('groups', () => {
    it('are skipped (and counted) unless the account takes them', () => {
      expect(reasons('group_participant')).to.deep.equal([{ reason: 'group', type: 'group' }]);
    });
    it('when taken, the sender is the participant (phone, LID alias), never the group; the group is the thread', () => {
      const envelope = only('group_participant', { name: 'sales', groups: true });
      expect(envelope.sender).to.deep.equal({ kind: 'whatsapp', id: '+4915112345678', aliases: [{ kind: 'whatsapp_lid', id: '123456789012345' }] });
      expect(envelope.message.threadId).to.equal('120363000000000000@g.us');
    });
    it('a group notification (someone was added) is nobody writing', () => {
      expect(normaliseUpsert(parseUpsert(groupStub()), { name: 'sales', groups: true }, receivedAt).skipped)
        .to.deep.equal([{ reason: 'not_a_message', type: 'stub:27' }]);
    });
  });

  describe('what is not a customer message, with the reason it is counted under', () => {
    const expected: Record<string, { reason: string; type: string }> = {
      from_me: { reason: 'echo', type: 'fromMe' },
      status_broadcast: { reason: 'not_a_message', type: 'status@broadcast' },
      newsletter: { reason: 'not_a_message', type: 'newsletter' },
      reaction: { reason: 'reaction', type: 'reactionMessage' },
      poll_vote: { reason: 'reaction', type: 'pollUpdateMessage' },
      revoke: { reason: 'delete', type: 'protocolMessage:0' },
      edit: { reason: 'edit', type: 'protocolMessage:14' },
      ephemeral_setting: { reason: 'not_a_message', type: 'protocolMessage:3' },
    };
    for (const [name, skipped] of Object.entries(expected)) {
      it(name, () => expect(reasons(name)).to.deep.equal([skipped]));
    }
    it('a recording gives the same outcome (enum names, Longs as strings, bytes as base64)', () => {
      for (const name of Object.keys(cases)) {
        const fromSocket = normaliseUpsert(live(name), sales, receivedAt);
        const fromRecording = normaliseUpsert(recorded(name), sales, receivedAt);
        expect(fromRecording.envelopes, name).to.deep.equal(fromSocket.envelopes);
        expect(fromRecording.skipped.map((event) => event.reason), name).to.deep.equal(fromSocket.skipped.map((event) => event.reason));
      }
    });
  });

  it('the envelope id comes from the account and the message id: a redelivery is the same message, another account another', () => {
    const again = normaliseUpsert(live('text'), sales, new Date('2026-12-01T00:00:00Z')).envelopes[0]!;
    expect(again.id).to.equal(only('text').id);
    expect(normaliseUpsert(live('text'), { name: 'support', groups: false }, receivedAt).envelopes[0]!.id).to.not.equal(again.id);
  });

  it('the recorded fixture file is what Baileys builds today (regenerate it from test/helpers/baileys-events.ts if not)', () => {
    const lines = readFileSync(fixture('whatsapp-web/upserts.jsonl'), 'utf8').trim().split('\n');
    expect(lines).to.deep.equal(Object.values(baileysCases()).map((event) => JSON.stringify(event)));
  });

  describe('hostile input', () => {
    it('an event that is not an upsert is a PayloadError naming the field', () => {
      expect(() => parseUpsert({ messages: 'nope', type: 'notify' })).to.throw(PayloadError, /messages/);
      expect(() => parseUpsert({ messages: [], type: 'history' })).to.throw(PayloadError, /type/);
    });
    it('one unreadable message among good ones is counted, and the others still become envelopes', () => {
      const mixed = parseUpsert({ messages: [{ key: 42 }, JSON.parse(JSON.stringify(cases.text!.messages[0]))], type: 'notify' });
      const { envelopes, skipped } = normaliseUpsert(mixed, sales, receivedAt);
      expect(envelopes).to.have.length(1);
      expect(skipped).to.deep.equal([{ reason: 'unreadable', type: 'whatsapp:message' }]);
    });
    it('NUL and lone surrogates become U+FFFD; nothing an event holds makes the normaliser throw or break the envelope contract', () => {
      const base = JSON.parse(JSON.stringify(cases.extended_text_device_suffix!.messages[0])) as Record<string, unknown>;
      const message = fc.oneof(
        mutated(base),
        fc.tuple(mutated(base.key as Record<string, unknown>), hostileString).map(([key, text]) => ({ ...base, key, message: { conversation: text } })),
        fc.tuple(hostileString, hostileJson).map(([type, content]) => ({ ...base, message: { [type]: content } })),
        fc.constantFrom(...Object.keys(cases)).chain((name) => mutated(JSON.parse(JSON.stringify(cases[name]!.messages[0])))),
        hostileJson,
      );
      fc.assert(fc.property(fc.array(message, { maxLength: 4 }), fc.boolean(), (messages, groups) => {
        const { envelopes, skipped } = normaliseUpsert(parseUpsert({ messages, type: 'notify' }), { name: 'sales', groups }, receivedAt);
        expect(envelopes.length + skipped.length).to.equal(messages.length);
        for (const envelope of envelopes) envelopeSchema.parse(envelope);
      }), { numRuns: Number(process.env.FUZZ_RUNS ?? 1_000) });
    });
  });
});
