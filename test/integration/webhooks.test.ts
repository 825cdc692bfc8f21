import { expect } from 'chai';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { createServer, type RequestListener } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { producerDefaults } from '../../config/kafka.js';
import { createPublisher } from '../../connectors/publisher.js';
import { createWebhookRegistry } from '../../connectors/registry.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { webhookContract, type WebhookChannelSpec } from '../contract/connector.contract.js';
import * as fixtures from '../helpers/fixtures.js';
import { logger, startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { metaRequest, metaSignature, send, telegramRequest, TEST_WEBHOOKS, twilioRequest, type SignedRequest } from '../helpers/webhooks.js';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

const SMS_FORM = {
  MessageSid: 'SM00000000000000000000000000000000', AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+447700900123', To: '+447700900999', Body: 'Hello from SMS', NumMedia: '0', FromCountry: 'GB', SmsStatus: 'received',
};
const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;

const twilioSms: WebhookChannelSpec = {
  channel: 'Twilio SMS', path: '/webhooks/twilio', badSignatureStatus: 401,
  message: (n) => twilioRequest({ ...SMS_FORM, MessageSid: sid(n) }),
  unknownEvent: () => twilioRequest({ ...SMS_FORM, From: 'messenger:1234567890' }),
  badlySigned: (n) => {
    const request = twilioRequest({ ...SMS_FORM, MessageSid: sid(n) });
    request.headers['x-twilio-signature'] = getExpectedTwilioSignature('not-the-token',
      `${TEST_WEBHOOKS.twilio.publicUrl}/webhooks/twilio`, { ...SMS_FORM, MessageSid: sid(n) });
    return request;
  },
};

const twilioWhatsApp: WebhookChannelSpec = {
  ...twilioSms, channel: 'Twilio WhatsApp',
  message: (n) => twilioRequest({ ...fixtures.twilioForms()['TextMessageReceived']!, MessageSid: sid(n) }),
};

function withBadMetaSignature(request: SignedRequest): SignedRequest {
  return { ...request, headers: { ...request.headers, 'x-hub-signature-256': metaSignature(request.body, 'not-the-secret') } };
}

function messagingSpec(channel: string, object: 'page' | 'instagram'): WebhookChannelSpec {
  const body = (n: number) => {
    const payload = structuredClone(fixtures.messagingBodies(object)['text_message']) as any;
    payload.entry[0].messaging[0].message.mid = `mid.contract-${n}`;
    return payload;
  };
  return {
    channel, path: '/webhooks/meta', badSignatureStatus: 403,
    message: (n) => metaRequest(body(n)),
    unknownEvent: () => metaRequest({ object, entry: [{ id: '404217156637689', time: 1,
      messaging: [{ sender: { id: '1' }, recipient: { id: '404217156637689' }, timestamp: 1, brand_new_event: {} }] }] }),
    badlySigned: (n) => withBadMetaSignature(metaRequest(body(n))),
  };
}

const whatsAppCloud: WebhookChannelSpec = (() => {
  const body = (n: number) => {
    const payload = structuredClone(fixtures.whatsAppCloudBodies()['message/text']) as any;
    payload.entry[0].changes[0].value.messages[0].id = `wamid.contract-${n}`;
    return payload;
  };
  return {
    channel: 'WhatsApp Cloud API', path: '/webhooks/meta', badSignatureStatus: 403,
    message: (n) => metaRequest(body(n)),
    unknownEvent: () => metaRequest({ object: 'whatsapp_business_account',
      entry: [{ id: '1234567890987654321', changes: [{ field: 'brand_new_field', value: {} }] }] }),
    badlySigned: (n) => withBadMetaSignature(metaRequest(body(n))),
  };
})();

const telegram: WebhookChannelSpec = (() => {
  const update = (n: number) => {
    const payload = structuredClone(fixtures.telegramUpdates()['text_message']) as any;
    payload.update_id = n;
    payload.message.message_id = 10_000 + n;
    return payload;
  };
  return {
    channel: 'Telegram', path: '/webhooks/telegram', badSignatureStatus: 401,
    message: (n) => telegramRequest(update(n)),
    unknownEvent: () => telegramRequest({ update_id: 1, brand_new_update: { x: 1 } }),
    badlySigned: (n) => {
      const request = telegramRequest(update(n));
      request.headers['x-telegram-bot-api-secret-token'] = 'not-the-secret';
      return request;
    },
  };
})();

describe('webhooks through the running gateway', () => {
  let harness: Harness;
  let inbound: TopicReader;
  before(async () => {
    harness = await startHarness({ resolvers: 0 });
    inbound = await harness.read('inbound');
  });
  after(() => harness.close());
  const context = () => ({ harness, inbound });

  for (const spec of [twilioSms, twilioWhatsApp, messagingSpec('Messenger', 'page'), messagingSpec('Instagram', 'instagram'),
    whatsAppCloud, telegram]) {
    webhookContract(spec, context);
  }

  describe('Twilio', () => {
    it('answers with an empty TwiML document', async () => {
      const response = await send(harness.baseUrl, '/webhooks/twilio', twilioSms.message(500));
      expect(response.status).to.equal(200);
      expect(response.contentType).to.match(/^text\/xml/);
      expect(response.text).to.match(/<Response\/>$/);
    });
    it('checks the signature against PUBLIC_URL, not the Host header it was reached on', async () => {
      const form = { ...SMS_FORM, MessageSid: sid(501) };
      const signedForHost = getExpectedTwilioSignature(TEST_WEBHOOKS.twilio.authToken, `${harness.baseUrl}/webhooks/twilio`, form);
      const request = twilioRequest(form);
      expect((await send(harness.baseUrl, '/webhooks/twilio', { ...request,
        headers: { ...request.headers, 'x-twilio-signature': signedForHost } })).status).to.equal(401);
    });
    it('signs the query string too', async () => {
      const form = { ...SMS_FORM, MessageSid: sid(502) };
      expect((await send(harness.baseUrl, '/webhooks/twilio?tenant=a', twilioRequest(form, '/webhooks/twilio?tenant=a'))).status)
        .to.equal(200);
      expect((await send(harness.baseUrl, '/webhooks/twilio?tenant=b', twilioRequest(form, '/webhooks/twilio?tenant=a'))).status)
        .to.equal(401);
    });
    it('answers 400 naming the field when a signed form is not a messaging webhook', async () => {
      const response = await send(harness.baseUrl, '/webhooks/twilio', twilioRequest({ From: '+447700900123' }));
      expect(response.status).to.equal(400);
      expect(JSON.parse(response.text).error).to.deep.include({ code: 'invalid_payload', field: 'MessageSid' });
    });
  });

  describe('Meta subscription check (GET /webhooks/meta)', () => {
    const check = (query: string) => send(harness.baseUrl, `/webhooks/meta?${query}`, { body: '', headers: {} }, 'GET');
    it('echoes hub.challenge as plain text when the verify token matches', async () => {
      const response = await check(`hub.mode=subscribe&hub.verify_token=${TEST_WEBHOOKS.meta.verifyToken}&hub.challenge=1158201444`);
      expect(response).to.deep.include({ status: 200, text: '1158201444' });
      expect(response.contentType).to.match(/^text\/plain/);
    });
    it('answers 403 for a wrong token or mode', async () => {
      expect((await check('hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')).status).to.equal(403);
      expect((await check(`hub.mode=unsubscribe&hub.verify_token=${TEST_WEBHOOKS.meta.verifyToken}&hub.challenge=1`)).status).to.equal(403);
      expect((await check('hub.challenge=1')).status).to.equal(403);
    });
  });

  describe('bodies that are not what a provider sends', () => {
    it('answers 400 with a JSON error for a signed body that is not JSON', async () => {
      const body = '{"object": "page", ';
      const response = await send(harness.baseUrl, '/webhooks/meta',
        { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) } });
      expect(response.status).to.equal(400);
      expect(JSON.parse(response.text).error.code).to.equal('invalid_payload');
    });
    it('answers 400 naming the field of a malformed Telegram update', async () => {
      const response = await send(harness.baseUrl, '/webhooks/telegram', telegramRequest({ message: {} }));
      expect(response.status).to.equal(400);
      expect(JSON.parse(response.text).error.field).to.equal('update_id');
    });
    it('answers 413 for a body over 1 MiB, before anything else', async () => {
      const body = JSON.stringify({ object: 'page', entry: [], padding: 'x'.repeat(1_048_576) });
      const response = await send(harness.baseUrl, '/webhooks/meta', metaRequest(JSON.parse(body)));
      expect(response.status).to.equal(413);
      expect(JSON.parse(response.text).error.code).to.equal('payload_too_large');
    });
  });

  describe('what is not a customer message', () => {
    it('answers 200, publishes nothing and counts echoes, receipts, reactions, edits and statuses by reason', async () => {
      const events = fixtures.messagingBodies('page');
      const cloud = fixtures.whatsAppCloudBodies();
      const before = inbound.messages.length;
      for (const body of [events['echo_message'], events['delivery'], events['read'], events['reaction_react'],
        cloud['message_status/read'], cloud['outgoing_message/text'], cloud['edited_message/image']]) {
        expect((await send(harness.baseUrl, '/webhooks/meta', metaRequest(body))).status).to.equal(200);
      }
      const statusCallback = { ...SMS_FORM, MessageSid: sid(600), SmsStatus: 'delivered', MessageStatus: 'delivered' };
      expect((await send(harness.baseUrl, '/webhooks/twilio', twilioRequest(statusCallback))).status).to.equal(200);
      const edited = fixtures.telegramUpdates()['edited_message'];
      expect((await send(harness.baseUrl, '/webhooks/telegram', telegramRequest(edited))).status).to.equal(200);

      const marker = telegram.message(601);
      expect((await send(harness.baseUrl, '/webhooks/telegram', marker)).status).to.equal(200);
      await inbound.waitForCount(before + 1);
      expect(inbound.messages.length).to.equal(before + 1);
      const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
      for (const [connector, outcome, count] of [['meta', 'echo', 2], ['meta', 'receipt', 2], ['meta', 'reaction', 1],
        ['meta', 'status', 1], ['meta', 'edit', 1], ['twilio', 'status', 1], ['telegram', 'edit', 1]] as const) {
        expect(metrics).to.include(`tributary_gateway_webhook_events_total{connector="${connector}",outcome="${outcome}"} ${count}`);
      }
    });
  });

  describe('a gateway with other settings', () => {
    async function listen(listener: RequestListener): Promise<{ url: string; close: () => void }> {
      const server = createServer(listener).listen(0, '127.0.0.1');
      await new Promise((ready) => server.once('listening', ready));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
    }

    it('answers 404 on the routes of a channel whose secret is not configured, saying what to set', async () => {
      const gateway = await listen(harness.appWith({ webhooks: createWebhookRegistry({}) }));
      try {
        for (const path of ['/webhooks/twilio', '/webhooks/meta', '/webhooks/telegram']) {
          const response = await send(gateway.url, path, telegram.message(700));
          expect(response.status).to.equal(404);
          expect(JSON.parse(response.text).error.message).to.match(/channel is disabled: set [A-Z_]+/);
        }
      } finally {
        gateway.close();
      }
    });

    it('answers 503 when Kafka does not acknowledge, so the provider retries', async () => {
      const kafka = new Kafka({ clientId: 'dead', brokers: [`127.0.0.1:${await freePort()}`], logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 50 }, connectionTimeout: 200 });
      const publisher = createPublisher({ producer: kafka.producer(producerDefaults), topic: harness.topics.inbound, timeoutMs: 2_000, logger });
      const gateway = await listen(harness.appWith({ publisher }));
      try {
        for (const spec of [telegram, whatsAppCloud, twilioSms]) {
          const response = await send(gateway.url, spec.path, spec.message(800));
          expect(response.status).to.equal(503);
          expect(JSON.parse(response.text).error.code).to.equal('unavailable');
        }
      } finally {
        gateway.close();
      }
    });

    it('logs an unknown event type once, however often it comes', async () => {
      const lines: { msg: string; eventType?: string }[] = [];
      const sink = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
      const gateway = await listen(harness.appWith({ logger: pino({ level: 'warn' }, sink) }));
      try {
        for (let i = 0; i < 3; i++) expect((await send(gateway.url, '/webhooks/telegram', telegram.unknownEvent!())).status).to.equal(200);
        expect(lines.filter((line) => line.eventType === 'brand_new_update')).to.have.length(1);
      } finally {
        gateway.close();
      }
    });
  });
});
