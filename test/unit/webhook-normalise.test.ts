import { expect } from 'chai';
import { envelopeSchema, senderKey } from '../../connectors/envelope.js';
import { normaliseMeta } from '../../connectors/meta/normalise.js';
import { metaWebhookSchema } from '../../connectors/meta/schema.js';
import { normaliseTelegram } from '../../connectors/telegram/normalise.js';
import { telegramUpdateSchema } from '../../connectors/telegram/schema.js';
import { normaliseTwilio } from '../../connectors/twilio/normalise.js';
import { twilioWebhookSchema } from '../../connectors/twilio/schema.js';
import type { Normalised } from '../../connectors/types.js';
import { parseWith, PayloadError } from '../../identity/parse.js';
import * as fixtures from '../helpers/fixtures.js';

const receivedAt = new Date('2026-11-22T00:00:00.000Z');
const BOT_ID = '7000000001';
const meta = (body: unknown) => normaliseMeta(parseWith(metaWebhookSchema, body), receivedAt);
const telegram = (update: unknown) => normaliseTelegram(parseWith(telegramUpdateSchema, update), BOT_ID, receivedAt);
const twilio = (form: unknown) => normaliseTwilio(parseWith(twilioWebhookSchema, form), receivedAt);

/** Each real payload beside the envelopes it must produce (`test/fixtures/expected/<name>.json`). */
const SUITES: [string, Record<string, unknown>, (payload: unknown) => Normalised][] = [
  ['whatsapp-cloud', fixtures.whatsAppCloudBodies(), meta],
  ['messenger-events', fixtures.messagingBodies('page'), meta],
  ['instagram-events', fixtures.messagingBodies('instagram'), meta],
  ['messenger-requests', fixtures.messengerRequests(), meta],
  ['facebook-page-events', fixtures.pageChangeBodies(), meta],
  ['telegram', fixtures.telegramUpdates(), telegram],
  ['twilio-whatsapp', fixtures.twilioForms(), twilio],
];

describe('webhook normalisers, against real payloads', () => {
  for (const [name, payloads, normalise] of SUITES) {
    describe(name, () => {
      const expected = fixtures.readFixture<Record<string, Normalised>>(`expected/${name}.json`);
      it('has an expected result for every fixture case', () => {
        expect(Object.keys(expected)).to.have.members(Object.keys(payloads));
      });
      for (const [caseName, payload] of Object.entries(payloads)) {
        it(`${caseName} → ${describeExpected(expected[caseName])}`, () => {
          const result = normalise(payload);
          for (const envelope of result.envelopes) envelopeSchema.parse(envelope);
          expect(JSON.parse(JSON.stringify(result))).to.deep.equal(expected[caseName]);
        });
      }
    });
  }
});

function describeExpected(expected: Normalised | undefined): string {
  if (!expected) return 'missing';
  if (expected.envelopes.length > 0) return `${expected.envelopes.length} envelope(s)`;
  return `none (${expected.skipped.map((s) => s.reason).join(', ')})`;
}

describe('webhook normalisers, rules the fixtures do not cover', () => {
  const whatsAppText = () => structuredClone(fixtures.whatsAppCloudBodies()['message/text']) as any;

  describe('WhatsApp Cloud', () => {
    it('resolves a sender who hides their number by the business-scoped user id alone', () => {
      const body = whatsAppText();
      const value = body.entry[0].changes[0].value;
      delete value.contacts[0].wa_id;
      delete value.messages[0].from;
      value.messages[0].from_user_id = value.contacts[0].user_id;
      const [envelope] = meta(body).envelopes;
      expect(envelope!.sender).to.deep.equal({ kind: 'whatsapp_bsuid', id: 'US.13491208655302741918' });
      expect(envelope!.profile.name).to.equal('Test Name');
    });
    it('keys a user’s messages by the BSUID, with or without the phone, so they stay on one partition in order', () => {
      const withPhone = meta(whatsAppText()).envelopes[0]!;
      const body = whatsAppText();
      delete body.entry[0].changes[0].value.messages[0].from;
      delete body.entry[0].changes[0].value.contacts[0].wa_id;
      const withoutPhone = meta(body).envelopes[0]!;
      expect(senderKey(withPhone.sender)).to.equal('whatsapp_bsuid::US.13491208655302741918');
      expect(senderKey(withoutPhone.sender)).to.equal(senderKey(withPhone.sender));
    });
    it('refuses a message that names no sender at all', () => {
      const body = whatsAppText();
      const value = body.entry[0].changes[0].value;
      delete value.contacts;
      delete value.messages[0].from;
      expect(() => meta(body)).to.throw(PayloadError, /neither `from` nor `from_user_id`/);
    });
    it('publishes every message of a batched delivery, each with its own id', () => {
      const body = whatsAppText();
      const value = body.entry[0].changes[0].value;
      value.messages.push({ ...value.messages[0], id: 'wamid.second', text: { body: 'second' } });
      body.entry.push(structuredClone(body.entry[0]));
      body.entry[1].changes[0].value.messages = [{ ...value.messages[0], id: 'wamid.third' }];
      const { envelopes } = meta(body);
      expect(envelopes.map((e) => e.message.providerId)).to.deep.equal(['wamid.xyzxyz', 'wamid.second', 'wamid.third']);
      expect(new Set(envelopes.map((e) => e.id)).size).to.equal(3);
    });
    it('names the field of a malformed message', () => {
      const body = whatsAppText();
      body.entry[0].changes[0].value.messages[0].timestamp = 'yesterday';
      expect(() => meta(body)).to.throw(PayloadError, /entry\[0\]\.changes\[0\]\.value\.messages\[0\]\.timestamp/);
    });
  });

  describe('Telegram', () => {
    const textUpdate = () => structuredClone(fixtures.telegramUpdates()['text_message']) as any;
    it('keeps a 52-bit user id exact, as a string', () => {
      const update = textUpdate();
      update.message.from.id = 4_503_599_627_370_497; // 2^52 + 1
      expect(telegram(update).envelopes[0]!.sender.id).to.equal('4503599627370497');
    });
    it('refuses an id that JSON could not carry exactly rather than rounding it', () => {
      const update = JSON.parse(JSON.stringify(textUpdate()).replace('"id":427770117,"is_bot"', '"id":9007199254740993,"is_bot"'));
      expect(() => telegram(update)).to.throw(PayloadError, /message\.from\.id/);
    });
    it('takes a shared contact as a phone hint only when it is the sender’s own', () => {
      const update = structuredClone(fixtures.telegramUpdates()['contact_message']) as any;
      update.message.contact.user_id = update.message.from.id;
      expect(telegram(update).envelopes[0]!.profile.phone).to.equal('+123456789');
      update.message.contact.user_id = 999;
      expect(telegram(update).envelopes[0]!.profile.phone).to.equal(undefined);
    });
    it('takes the user in `from` as the sender of a signed channel post, never the channel', () => {
      const update = structuredClone(fixtures.telegramUpdates()['channel_post']) as any;
      update.channel_post.from = { id: 55, is_bot: false, first_name: 'Ada' };
      const [envelope] = telegram(update).envelopes;
      expect(envelope!.sender).to.deep.equal({ kind: 'telegram_user', id: '55' });
      expect(envelope!.message.threadId).to.equal('-1001305240521');
    });
    it('skips service messages and other bots', () => {
      const update = textUpdate();
      delete update.message.text;
      update.message.new_chat_members = [{ id: 1, is_bot: false, first_name: 'x' }];
      expect(telegram(update).skipped).to.deep.equal([{ reason: 'not_a_message', type: 'message:service' }]);
      const fromBot = textUpdate();
      fromBot.message.from.is_bot = true;
      expect(telegram(fromBot).envelopes).to.deep.equal([]);
    });
    it('answers an update type it does not know with no envelope, as unknown', () => {
      expect(telegram({ update_id: 1, some_future_update: { x: 1 } })).to.deep.equal(
        { envelopes: [], skipped: [{ reason: 'unknown', type: 'some_future_update' }] });
    });
  });

  describe('Twilio', () => {
    const sms = {
      MessageSid: 'SM0123456789abcdef0123456789abcdef', AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: '+447700900123', To: '+447700900999', Body: 'Hello', NumMedia: '2', FromCountry: 'GB', SmsStatus: 'received',
      MediaUrl0: 'https://api.twilio.com/m/0', MediaContentType0: 'image/png',
      MediaUrl1: 'https://api.twilio.com/m/1', MediaContentType1: 'application/pdf',
    };
    it('makes a plain number an SMS sender, with country and every medium', () => {
      const [envelope] = twilio(sms).envelopes;
      expect(envelope).to.deep.include({ channel: 'sms', account: '+447700900999', sender: { kind: 'sms', id: '+447700900123' } });
      expect(envelope!.profile).to.deep.equal({ country: 'GB' });
      expect(envelope!.message.attachments).to.deep.equal([
        { type: 'image', url: 'https://api.twilio.com/m/0', contentType: 'image/png' },
        { type: 'file', url: 'https://api.twilio.com/m/1', contentType: 'application/pdf' },
      ]);
    });
    it('takes ProfileName as the WhatsApp sender’s name', () => {
      const [envelope] = twilio({ ...sms, From: 'whatsapp:+447700900123', To: 'whatsapp:+447700900999', ProfileName: 'Ada' }).envelopes;
      expect(envelope).to.deep.include({ channel: 'whatsapp', sender: { kind: 'whatsapp', id: '+447700900123' } });
      expect(envelope!.profile.name).to.equal('Ada');
    });
    it('treats a status callback as a status, not a message', () => {
      expect(twilio({ ...sms, SmsStatus: 'delivered', MessageStatus: 'delivered' }).skipped[0]!.reason).to.equal('status');
    });
    it('names the missing field of a form that is not a Twilio webhook', () => {
      expect(() => twilio({ From: '+1' })).to.throw(PayloadError, /^MessageSid/);
    });
  });
});
