import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Envelope } from '../../connectors/envelope.js';
import { createPublisher, PublishError } from '../../connectors/publisher.js';
import { createTelegramPoller } from '../../connectors/telegram/poller.js';
import { producerDefaults } from '../../config/kafka.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { brokers } from '../helpers/kafka.js';
import * as fixtures from '../helpers/fixtures.js';
import { logger } from '../helpers/harness.js';
import { createTestTopics, testKafka, TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

const TOKEN = '7000000002:polling-test-token';

/**
 * Telegram's Bot API cannot be reached from here, so this stands in for it: the three methods polling uses,
 * answering with bottender's real updates, and a record of every offset asked for.
 */
async function fakeBotApi(updates: { update_id: number }[]) {
  const calls: { method: string; body: Record<string, unknown> }[] = [];
  let webhookUrl = 'https://old.example/hook';
  let unreachableOnce = true;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const method = req.url!.split('/').pop()!;
      const body = raw ? JSON.parse(raw) as Record<string, unknown> : {};
      calls.push({ method, body });
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      if (!req.url!.startsWith(`/bot${TOKEN}/`)) return void res.writeHead(401).end('{"ok":false,"error_code":401,"description":"Unauthorized"}');
      if (method === 'getWebhookInfo' && unreachableOnce) {
        unreachableOnce = false;
        return void res.writeHead(502).end('bad gateway');
      }
      if (method === 'getWebhookInfo') return reply({ url: webhookUrl, has_custom_certificate: false, pending_update_count: 0 });
      if (method === 'deleteWebhook') { webhookUrl = ''; return reply(true); }
      if (method === 'getUpdates') {
        const offset = Number(body.offset ?? 0);
        const due = updates.filter((update) => update.update_id >= offset).slice(0, Number(body.limit ?? 100));
        return void setTimeout(() => reply(due), due.length ? 0 : 20);
      }
      res.writeHead(404).end('{"ok":false}');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    offsets: () => calls.filter((call) => call.method === 'getUpdates').map((call) => Number(call.body.offset ?? 0)),
    close: () => new Promise((closed) => server.close(closed)),
  };
}

describe('Telegram long polling (TELEGRAM_MODE=polling)', () => {
  const all = fixtures.telegramUpdates() as Record<string, { update_id: number; message?: { message_id: number } }>;
  const updates = [
    { ...all['text_message']!, update_id: 500 },
    { ...all['edited_message']!, update_id: 501 },
    { ...all['group_message']!, update_id: 502 },
    { ...all['callback_query']!, update_id: 503 },
  ];

  it('stops with a sentence naming TELEGRAM_BOT_TOKEN when Telegram refuses the token', async () => {
    const api = await fakeBotApi([]);
    try {
      const poller = createTelegramPoller({ settings: { botToken: '1:wrong', botId: '1', apiRoot: api.apiRoot, pollTimeoutS: 0 },
        logger, clock: () => new Date(), retryDelayMs: 10 });
      let failure: unknown;
      await poller.run(async () => undefined, new AbortController().signal).catch((error: unknown) => (failure = error));
      expect(String(failure)).to.match(/Telegram refused TELEGRAM_BOT_TOKEN \(401\)/);
    } finally {
      await api.close();
    }
  });

  it('waits out a Bot API it cannot reach, publishes the messages among the updates, and confirms them only after Kafka acknowledged', async () => {
    const kafka = testKafka();
    const topics = await createTestTopics(kafka, 1);
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    const publisher = createPublisher({ producer, topic: topics.inbound, timeoutMs: 10_000, logger });
    const inbound = await TopicReader.open(kafka, topics.inbound);
    const api = await fakeBotApi(updates);
    const stopping = new AbortController();
    let outage = true;
    const poller = createTelegramPoller({ settings: { botToken: TOKEN, botId: '7000000002', apiRoot: api.apiRoot, pollTimeoutS: 0 },
      logger, clock: () => new Date(), retryDelayMs: 50 });
    const running = poller.run(async (envelopes) => {
      if (outage && envelopes.length > 0) {
        outage = false;
        throw new PublishError('Kafka did not acknowledge (simulated outage)');
      }
      await publisher.publish(envelopes);
    }, stopping.signal);
    try {
      const records = await inbound.waitForCount<Envelope>(2);
      expect(records.map((record) => record.message.providerId)).to.deep.equal(['427770117:666', '-225456171:238']);
      expect(records.every((record) => record.sender.kind === 'telegram_user' && record.sender.id === '427770117')).to.equal(true);
      await waitFor(() => api.offsets().includes(504), { what: 'getUpdates with offset 504' });
      // The batch was fetched again after the failed publish: offset 0 twice, then past the last update.
      expect(api.offsets().slice(0, 3)).to.deep.equal([0, 0, 504]);
      expect(api.calls.some((call) => call.method === 'deleteWebhook')).to.equal(true);
    } finally {
      stopping.abort();
      await running;
      await inbound.close();
      await producer.disconnect();
      await api.close();
    }
    expect(inbound.messages).to.have.length(2);
  });

  it('runs as the telegram process: ready once polling is live, its skipped updates counted by reason on /metrics', async function () {
    this.timeout(60_000);
    const kafka = testKafka();
    const topics = await createTestTopics(kafka, 1);
    const inbound = await TopicReader.open(kafka, topics.inbound);
    const api = await fakeBotApi(updates);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'streams/telegram.ts'], { stdio: 'ignore', env: { ...process.env,
      TELEGRAM_MODE: 'polling', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_POLL_TIMEOUT_S: '0',
      TELEGRAM_METRICS_PORT: String(port), KAFKA_BROKERS: brokers().join(','),
      KAFKA_TOPIC_PREFIX: topics.inbound.replace('tributary.inbound.v1', ''), LOG_LEVEL: 'silent' } });
    try {
      await inbound.waitForCount(2, 45_000);
      const ready = await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200 ? response.json() as Promise<Record<string, any>> : undefined;
      }, { what: 'the telegram process to be ready' });
      expect(ready.connectors).to.have.length(1);
      expect(ready.connectors[0]).to.include({ connector: 'telegram', account: '7000000002', state: 'live' });
      const metrics = await waitFor(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return text.includes('outcome="not_a_message"') ? text : undefined;
      }, { what: 'the skipped updates on /metrics' });
      expect(metrics).to.include('tributary_connector_events_total{connector="telegram",account="7000000002",outcome="message"} 2');
      expect(metrics).to.include('tributary_connector_events_total{connector="telegram",account="7000000002",outcome="edit"} 1');
      expect(metrics).to.include('tributary_connector_events_total{connector="telegram",account="7000000002",outcome="not_a_message"} 1');
    } finally {
      child.kill('SIGTERM');
      await new Promise((exited) => child.once('exit', exited));
      await inbound.close();
      await api.close();
    }
  });
});
