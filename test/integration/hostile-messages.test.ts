import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { Envelope, ResolvedEnvelope } from '../../connectors/envelope.js';
import { apiMessage } from '../helpers/envelopes.js';
import * as fixtures from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { send, telegramRequest, twilioRequest } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait-for.js';

const SMS_FORM = {
  MessageSid: 'SM00000000000000000000000000000000', AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+447700900123', To: '+447700900999', Body: 'Hello', NumMedia: '0', SmsStatus: 'received',
};
const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;
const REPLACEMENT = '\uFFFD';

describe('hostile input on the message routes (issue 10)', () => {
  let harness: Harness;
  let inbound: TopicReader;
  let resolved: TopicReader;
  before(async () => {
    harness = await startHarness();
    inbound = await harness.read('inbound');
    resolved = await harness.read('resolved');
  });
  after(() => harness.close());

  const resolvedWith = (id: string) => waitFor(() => resolved.json<ResolvedEnvelope>().find((record) => record.id === id),
    { what: `envelope ${id} on the resolved topic` });

  describe('1. a NUL or a lone surrogate in what a customer sent', () => {
    it('API channel: answered 202 and resolved, the characters replaced by U+FFFD', async () => {
      const body = { id: 'nul-1', account: 'acme\u0000app', text: 'hi \u0000 \ud800 there',
        sender: { id: 'user\u0000one', name: 'Ada\u0000', email: 'ada@example.com' } };
      const response = await harness.post('/v1/messages', body);
      expect(response.status).to.equal(202);
      const record = await resolvedWith(response.body.ids[0]);
      expect(record.account).to.equal(`acme${REPLACEMENT}app`);
      expect(record.sender.id).to.equal(`user${REPLACEMENT}one`);
      expect(record.message.text).to.equal(`hi ${REPLACEMENT} ${REPLACEMENT} there`);
      expect(record.contact.displayName).to.equal(`Ada${REPLACEMENT}`);
    });

    it('Twilio: a NUL in ProfileName is resolved, not dead-lettered', async () => {
      const request = twilioRequest({ ...SMS_FORM, MessageSid: sid(1), From: 'whatsapp:+447700900124', To: 'whatsapp:+447700900999',
        ProfileName: 'Grace\u0000' });
      expect((await send(harness.baseUrl, '/webhooks/twilio', request)).status).to.equal(200);
      const record = await waitFor(() => resolved.json<ResolvedEnvelope>().find((r) => r.message.providerId === sid(1)),
        { what: 'the Twilio message resolved' });
      expect(record.contact.displayName).to.equal(`Grace${REPLACEMENT}`);
    });

    it('Telegram: NUL in first_name and language_code is resolved', async () => {
      const update = structuredClone(fixtures.telegramUpdates()['text_message']) as any;
      update.update_id = 777;
      update.message.message_id = 4242;
      update.message.from.first_name = 'Li\u0000n';
      update.message.from.language_code = 'e\u0000n';
      expect((await send(harness.baseUrl, '/webhooks/telegram', telegramRequest(update))).status).to.equal(200);
      const record = await waitFor(() => resolved.json<ResolvedEnvelope>().find((r) => r.message.providerId.endsWith(':4242')),
        { what: 'the Telegram message resolved' });
      expect(record.profile.firstName).to.equal(`Li${REPLACEMENT}n`);
    });

    it('Twilio `From=whatsapp:` or `To=whatsapp:` names nobody: answered 200, counted as no_sender, nothing published', async () => {
      const before = inbound.messages.length;
      for (const [n, form] of [[2, { From: 'whatsapp:' }], [3, { To: 'whatsapp:' }]] as const) {
        expect((await send(harness.baseUrl, '/webhooks/twilio', twilioRequest({ ...SMS_FORM, MessageSid: sid(n), ...form }))).status)
          .to.equal(200);
      }
      const marker = await harness.post('/v1/messages', apiMessage('marker-1'));
      await waitFor(() => inbound.json<Envelope>().some((e) => e.id === marker.body.ids[0]), { what: 'the marker' });
      expect(inbound.json<Envelope>().slice(before).map((e) => e.id)).to.deep.equal(marker.body.ids);
      const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
      expect(metrics).to.include('tributary_gateway_webhook_events_total{connector="twilio",outcome="no_sender"} 2');
    });
  });

  describe('2. one bad request among good ones', () => {
    it('a `__proto__:` or `constructor:` address is an unknown channel, and the 45 good requests beside it are accepted', async () => {
      const good = Array.from({ length: 45 }, (_, n) => apiMessage(`crowd-${n}`));
      const bad = ['__proto__:+447700900125', 'constructor:+447700900126'].map((from, n) =>
        twilioRequest({ ...SMS_FORM, MessageSid: sid(100 + n), From: from }));
      const answers = await Promise.all([...good.map((message) => harness.post('/v1/messages', message)),
        ...bad.map((request) => send(harness.baseUrl, '/webhooks/twilio', request))]);
      expect(answers.map((answer) => answer.status)).to.deep.equal([...Array(45).fill(202), 200, 200]);
      const ids = answers.slice(0, 45).map((answer) => (answer as { body: { ids: string[] } }).body.ids[0]!);
      await waitFor(() => ids.every((id) => inbound.json<Envelope>().some((e) => e.id === id)), { what: 'all 45 on the inbound topic' });
      expect(inbound.json<Envelope>().some((e) => e.message.providerId === sid(100) || e.message.providerId === sid(101))).to.equal(false);
    });

    it('a record Kafka refuses fails only its own request (413); the requests coalesced with it are accepted', async () => {
      const admin = harness.kafka.admin();
      await admin.connect();
      // The inbound topic as a stricter cluster might keep it: records over 20 kB are refused by the broker.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: harness.topics.inbound,
        configEntries: [{ name: 'max.message.bytes', value: '20000' }] }] });
      try {
        const good = Array.from({ length: 40 }, (_, n) => apiMessage(`small-${n}`));
        const huge = [0, 1].map((n) => apiMessage(`huge-${n}`, { text: 'x'.repeat(40_000) }));
        const answers = await Promise.all([...good, ...huge].map((message) => harness.post('/v1/messages', message)));
        expect(answers.map((answer) => answer.status)).to.deep.equal([...Array(40).fill(202), 413, 413]);
        const ids = answers.slice(0, 40).map((answer) => answer.body.ids[0]);
        await waitFor(() => ids.every((id) => inbound.json<Envelope>().some((e) => e.id === id)), { what: 'the 40 small ones' });
      } finally {
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: harness.topics.inbound,
          configEntries: [{ name: 'max.message.bytes', value: '1048588' }] }] });
        await admin.disconnect();
      }
    });
  });

  describe('3. a body whose Content-Encoding does not decompress', () => {
    for (const [path, contentType] of [['/v1/messages', 'application/json'], ['/webhooks/telegram', 'application/json'],
      ['/webhooks/twilio', 'application/x-www-form-urlencoded'], ['/api/contacts', 'application/json']] as const) {
      for (const encoding of ['gzip', 'br', 'deflate']) {
        it(`${path} with a broken ${encoding} body answers 400 naming the encoding`, async () => {
          const response = await fetch(`${harness.baseUrl}${path}`, { method: 'POST', body: 'this is not compressed',
            headers: { 'content-type': contentType, 'content-encoding': encoding, authorization: `Bearer ${harness.ownerKey}` } });
          expect(response.status).to.equal(400);
          expect(((await response.json()) as { error: { message: string } }).error.message).to.match(/Content-Encoding/);
        });
      }
    }
    it('a correctly gzipped body is read', async () => {
      const response = await fetch(`${harness.baseUrl}/v1/messages`, { method: 'POST', body: gzipSync(JSON.stringify(apiMessage('zipped'))),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${harness.ownerKey}` } });
      expect(response.status).to.equal(202);
    });
  });
});
