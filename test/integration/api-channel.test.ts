import { createServer } from 'node:http';
import { expect } from 'chai';
import { Kafka, logLevel } from 'kafkajs';
import { producerDefaults } from '../../config/kafka.js';
import { createPublisher } from '../../connectors/publisher.js';
import { CHECKED_HEADER, CHECKED_VERSION, envelopeSchema, type Envelope } from '../../connectors/envelope.js';
import { revokeApiKey } from '../../db/repositories/api-keys.js';
import { waitFor } from '../helpers/wait-for.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { apiMessage } from '../helpers/envelopes.js';
import { logger, startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';

describe('API channel: POST /v1/messages', () => {
  let harness: Harness;
  let inbound: TopicReader;
  before(async () => {
    harness = await startHarness({ resolvers: 0 });
    inbound = await harness.read('inbound');
  });
  after(() => harness.close());

  describe('with a valid key and batch', () => {
    it('answers 202 with the envelope ids once Kafka has them, keyed by sender', async () => {
      const messages = [apiMessage('u-1', { sender: { id: 'u-1', email: 'A@Example.com' } }), apiMessage('u-2')];
      const response = await harness.post('/v1/messages', { messages });
      expect(response.status).to.equal(202);
      expect(response.body.accepted).to.equal(2);
      const records = await inbound.waitForCount<Envelope>(2);
      expect(records.map((r) => r.id)).to.have.members(response.body.ids);
      const index = records.findIndex((r) => r.sender.id === 'u-1');
      expect(records[index]).to.deep.include({ channel: 'api', account: 'acme-app', sender: { kind: 'api_user', id: 'u-1', scope: 'acme-app' } });
      expect(records[index]!.profile.email).to.equal('A@Example.com');
      expect(inbound.messages[index]!.key!.toString()).to.equal('api_user:acme-app:u-1');
      // Checked against the contract, and the bytes are what the resolver may take as they are (resolvers/records.ts).
      const [record] = inbound.messages.slice(index, index + 1);
      expect(record!.headers![CHECKED_HEADER]!.toString()).to.equal(CHECKED_VERSION);
      expect(record!.value!.toString()).to.equal(JSON.stringify(envelopeSchema.parse(JSON.parse(record!.value!.toString()))));
    });
    it('accepts a single message without the wrapper', async () => {
      const before = inbound.messages.length;
      const response = await harness.post('/v1/messages', apiMessage('u-3'));
      expect(response).to.deep.include({ status: 202 });
      expect(response.body.accepted).to.equal(1);
      const records = await inbound.waitForCount<Envelope>(before + 1);
      expect(records.at(-1)!.id).to.equal(response.body.ids[0]);
    });
  });

  describe('when the body is wrong', () => {
    const cases: [string, unknown, string][] = [
      ['a missing sender id', { messages: [{ id: 'm', account: 'a', sender: {}, text: 'x' }] }, 'messages[0].sender.id'],
      ['a message with neither text nor attachments', { id: 'm', account: 'a', sender: { id: 's' } }, 'text'],
      ['an empty batch', { messages: [] }, 'messages'],
      ['a bad sentAt', { id: 'm', account: 'a', sender: { id: 's' }, text: 'x', sentAt: 'yesterday' }, 'sentAt'],
      ['501 messages', { messages: Array.from({ length: 501 }, () => apiMessage('s')) }, 'messages'],
    ];
    for (const [name, body, field] of cases) {
      it(`answers 400 naming ${field} for ${name}, and publishes nothing`, async () => {
        const before = inbound.messages.length;
        const response = await harness.post('/v1/messages', body);
        expect(response.status).to.equal(400);
        expect(response.body.error).to.include({ code: 'invalid_payload', field });
        expect(response.body.error.message).to.match(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
        await inbound.settle(300);
        expect(inbound.messages.length).to.equal(before);
      });
    }
    it('answers 400 for a body that is not JSON', async () => {
      const response = await harness.post('/v1/messages', '{"id": ');
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('invalid_json');
    });
    it('answers 413 for a body over the limit', async () => {
      const response = await harness.post('/v1/messages', apiMessage('big', { text: 'x'.repeat(1_100_000) }));
      expect(response.status).to.equal(413);
      expect(response.body.error.code).to.equal('payload_too_large');
    });
  });

  describe('without a valid API key', () => {
    for (const [name, headers] of [['no header', { authorization: '' }], ['an unknown key', { authorization: 'Bearer nope' }],
      ['a malformed header', { authorization: 'Basic abc' }]] as const) {
      it(`answers 401 with ${name}`, async () => {
        const response = await harness.post('/v1/messages', apiMessage('x'), headers);
        expect(response.status).to.equal(401);
        expect(response.body.error.code).to.equal('unauthenticated');
      });
    }
    it('answers 401 once a key is revoked, within the key cache\'s lifetime', async () => {
      const key = await createApiKey(harness.testDb.db, { name: 'temp', role: 'agent' });
      const post = () => harness.post('/v1/messages', apiMessage('x'), { authorization: `Bearer ${key.key}` });
      expect((await post()).status).to.equal(202);
      await revokeApiKey(harness.testDb.db, key.id, new Date());
      const revokedAt = Date.now();
      await waitFor(async () => (await post()).status === 401, { timeoutMs: 5_000, intervalMs: 100, what: 'a 401' });
      expect(Date.now() - revokedAt).to.be.below(1_500); // the harness caches keys for 500 ms
    });
  });

  describe('when Kafka is unavailable', () => {
    it('answers 503 with Retry-After so the sender retries', async () => {
      const deadBroker = `127.0.0.1:${await freePort()}`;
      const kafka = new Kafka({ clientId: 'dead', brokers: [deadBroker], logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 50 }, connectionTimeout: 200 });
      const producer = kafka.producer(producerDefaults);
      const listener = harness.appWith({ publisher: createPublisher({ producer, topic: harness.topics.inbound, timeoutMs: 2_000, logger }) });
      const server = createServer(listener).listen(0, '127.0.0.1');
      await new Promise((ready) => server.once('listening', ready));
      try {
        const { port } = server.address() as { port: number };
        const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
          method: 'POST', body: JSON.stringify(apiMessage('x')),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.ownerKey}` },
        });
        expect(response.status).to.equal(503);
        expect(response.headers.get('retry-after')).to.equal('5');
        expect(((await response.json()) as { error: { code: string } }).error.code).to.equal('unavailable');
      } finally {
        server.close();
      }
    });
  });

  describe('health', () => {
    it('answers /healthz, /readyz and /metrics', async () => {
      expect((await fetch(`${harness.baseUrl}/healthz`)).status).to.equal(200);
      const ready = await fetch(`${harness.baseUrl}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok' } });
      const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
      expect(metrics).to.match(/tributary_gateway_messages_in_total\{channel="api"\} \d+/);
    });
  });
});
