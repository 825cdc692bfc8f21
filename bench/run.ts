/**
 * `npm run bench`: (a) resolver drain rate, (b) a pass-through consumer's rate on the same broker (the
 * ceiling), (c) HTTP accept rate and end-to-end latency at a fixed offered rate, plus peak RSS of the
 * gateway and resolver processes. Prints a table and writes JSON under bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { producerDefaults } from '../config/kafka.js';
import { topicsWithPrefix, type Topics } from '../config/topics.js';
import { senderKey, type Envelope } from '../connectors/envelope.js';
import { createDb, dropDatabase, ensureDatabase } from '../db/client.js';
import { migrateLatest } from '../db/migrate.js';
import { createApiKey } from '../db/repositories/api-keys.js';
import { resolveBatch } from '../resolvers/identity/resolve.js';
import { freePort, startLocalKafka, type LocalKafka } from '../scripts/kafka/local-kafka.js';
import { envelope } from '../test/helpers/envelopes.js';
import { waitFor } from '../test/helpers/wait-for.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const EXISTING = Number(process.env.BENCH_EXISTING ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PARTITIONS = 6;
const say = (line: string) => process.stderr.write(`${line}\n`);

let localKafka: LocalKafka | undefined;
if (!process.env.KAFKA_BROKERS) localKafka = await startLocalKafka({ name: 'bench', port: 0, ephemeral: true, log: say });
const brokers = process.env.KAFKA_BROKERS ?? localKafka!.brokers;
const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const databaseUrl = `${process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432'}/tributary_bench_${randomBytes(4).toString('hex')}`;
await ensureDatabase(databaseUrl);
const db = createDb({ url: databaseUrl, poolMax: 4 });
await migrateLatest(db);
const children: ChildProcess[] = [];

try {
  const results = { n: N, existingIdentities: EXISTING, partitions: PARTITIONS, drain: await drain(), passThrough: await passThrough(),
    http: await httpLatency() };
  const ratio = results.drain.perSecond / results.passThrough.perSecond;
  const summary = { ...results, drainToPassThrough: Number(ratio.toFixed(2)), at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version } };
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${summary.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.table({
    'resolver drain (msg/s)': { value: Math.round(results.drain.perSecond), target: `≥ ${Math.round(0.7 * results.passThrough.perSecond)} (0.7 × pass-through)` },
    'pass-through (msg/s)': { value: Math.round(results.passThrough.perSecond), target: 'ceiling' },
    'drain / pass-through': { value: Number(ratio.toFixed(2)), target: '≥ 0.7' },
    'HTTP accept rate (req/s)': { value: Math.round(results.http.acceptPerSecond), target: '' },
    [`e2e p50 at ${RATE}/s (ms)`]: { value: results.http.p50Ms, target: '' },
    [`e2e p99 at ${RATE}/s (ms)`]: { value: results.http.p99Ms, target: '≤ 20' },
    'resolver peak RSS (MB)': { value: results.drain.resolverPeakRssMb, target: '≤ 300' },
    'gateway peak RSS (MB)': { value: results.http.gatewayPeakRssMb, target: '≤ 150' },
  });
  say(`results written to ${file}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  await db.destroy();
  await dropDatabase(databaseUrl);
  await localKafka?.stop();
}

/** (a) Pre-load N envelopes (half from existing identities, half new) and time one resolver draining them. */
async function drain() {
  const topics = await createTopics();
  say(`drain: creating ${EXISTING} existing identities…`);
  for (let start = 0; start < EXISTING; start += 1_000) {
    const items = Array.from({ length: Math.min(1_000, EXISTING - start) }, (_, i) => ({
      envelope: benchEnvelope(`existing-${start + i}`), source: { topic: 'preload', partition: 0, offset: String(start + i) } }));
    await resolveBatch(db, items, new Date());
  }
  const envelopes = Array.from({ length: N }, (_, i) =>
    benchEnvelope(i % 2 === 0 ? `existing-${i % EXISTING}` : `new-${i}`));
  say(`drain: producing ${N} envelopes…`);
  await produceAll(topics.inbound, envelopes.map((e) => ({ key: senderKey(e.sender), value: JSON.stringify(e) })));
  const resolver = startChild('dist/resolvers/identity/main.js', { KAFKA_TOPIC_PREFIX: prefixOf(topics),
    RESOLVER_GROUP_ID: `bench-${randomBytes(3).toString('hex')}`, RESOLVER_METRICS_PORT: '0' });
  const startedAt = await waitForLedger((count) => count > EXISTING);
  await waitForLedger((count) => count >= EXISTING + N, 600_000);
  const seconds = (Date.now() - startedAt) / 1000;
  const resolverPeakRssMb = peakRssMb(resolver);
  resolver.kill('SIGTERM');
  return { seconds, perSecond: N / seconds, resolverPeakRssMb };
}

/** (b) The same N through a consumer that only re-publishes, with the same transactional commit per batch. */
async function passThrough() {
  const topics = await createTopics();
  const envelopes = Array.from({ length: N }, (_, i) => benchEnvelope(i % 2 === 0 ? `existing-${i % EXISTING}` : `new-${i}`));
  await produceAll(topics.inbound, envelopes.map((e) => ({ key: senderKey(e.sender), value: JSON.stringify(e) })));
  const groupId = `bench-pass-${randomBytes(3).toString('hex')}`;
  const producer = kafka.producer({ ...producerDefaults, transactionalId: groupId, idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 1_048_576 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: topics.inbound, fromBeginning: true });
  let count = 0;
  let startedAt = 0;
  const done = new Promise<void>((finish) => {
    void consumer.run({
      autoCommit: false, eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        startedAt ||= Date.now();
        const transaction = await producer.transaction();
        await transaction.send({ topic: topics.resolved, acks: -1,
          messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic,
          partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
        await transaction.commit();
        resolveOffset(batch.lastOffset());
        count += batch.messages.length;
        if (count >= N) finish();
      },
    });
  });
  await done;
  const seconds = (Date.now() - startedAt) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return { seconds, perSecond: N / seconds };
}

/** (c) Gateway and resolver as processes; POST at a fixed rate, time each message to the resolved topic. */
async function httpLatency() {
  const topics = await createTopics();
  const port = await freePort();
  const key = `bench-${randomBytes(12).toString('hex')}`;
  await createApiKey(db, { name: 'bench', role: 'owner', key });
  const env = { KAFKA_TOPIC_PREFIX: prefixOf(topics), PORT: String(port), RESOLVER_METRICS_PORT: '0',
    RESOLVER_GROUP_ID: `bench-e2e-${randomBytes(3).toString('hex')}` };
  const gateway = startChild('dist/gateway/main.js', env);
  const resolver = startChild('dist/resolvers/identity/main.js', env);
  const url = `http://127.0.0.1:${port}/v1/messages`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
    { what: 'the gateway to listen' });

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: `bench-reader-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.resolved, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => {
    const id = message.headers?.['envelope-id']?.toString();
    const start = id ? sentAt.get(id) : undefined;
    if (start !== undefined) latencies.push(performance.now() - start);
  } });
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const post = async (sender: string) => {
    const t0 = performance.now();
    const body = JSON.stringify({ id: randomBytes(8).toString('hex'), account: 'bench', sender: { id: sender }, text: 'hello' });
    const answer = await new Promise<{ status: number; text: string }>((done, fail) => {
      const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`,
        'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => done({ status: res.statusCode!, text }));
      });
      req.on('error', fail);
      req.end(body);
    });
    if (answer.status !== 202) throw new Error(`gateway answered ${answer.status}: ${answer.text}`);
    sentAt.set((JSON.parse(answer.text) as { ids: string[] }).ids[0]!, t0);
  };

  say('http: warming up…');
  for (let i = 0; i < 200; i++) await post(`warm-${i % 50}`);
  await waitFor(() => latencies.length >= 200, { what: 'the warm-up records' });
  latencies.length = 0;

  say(`http: offering ${RATE} msg/s for ${SECONDS} s…`);
  const total = RATE * SECONDS;
  const begin = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((ready) => setTimeout(ready, wait));
    inFlight.push(post(`rate-${i % 5_000}`));
  }
  await Promise.all(inFlight);
  // A saturated machine catches up slowly.
  await waitFor(() => latencies.length >= total, { timeoutMs: 300_000, what: 'every record on the resolved topic' });
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1));

  say('http: measuring the accept rate (64 concurrent clients, 5 s)…');
  let accepted = 0;
  const acceptEnd = performance.now() + 5_000;
  await Promise.all(Array.from({ length: 64 }, async (_, worker) => {
    while (performance.now() < acceptEnd) {
      await post(`burst-${worker}-${accepted % 100}`);
      accepted++;
    }
  }));
  const result = { offeredRate: RATE, seconds: SECONDS, p50Ms: pct(50), p99Ms: pct(99), maxMs: pct(100),
    acceptPerSecond: accepted / 5, gatewayPeakRssMb: peakRssMb(gateway), resolverPeakRssMb: peakRssMb(resolver) };
  await consumer.disconnect();
  agent.destroy();
  return result;
}

function benchEnvelope(sender: string): Envelope {
  return envelope({ channel: 'api', account: 'bench', kind: 'api_user', scope: 'bench', id: sender,
    ...(sender.startsWith('new-') ? { profile: { name: `Person ${sender}`, email: `${sender}@example.com` } } : {}) });
}

async function createTopics(): Promise<Topics> {
  const topics = topicsWithPrefix(`bench${randomBytes(4).toString('hex')}.`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
  await admin.disconnect();
  return topics;
}

async function produceAll(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 5_000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 5_000) });
  }
  await producer.disconnect();
}

function startChild(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [entry], { stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env } });
  children.push(child);
  return child;
}

function prefixOf(topics: Topics): string {
  return topics.inbound.replace('tributary.inbound.v1', '');
}

/** Peak resident set size of a child process, from the kernel's high-water mark. */
function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024);
}

/** Waits until the ledger count satisfies `done`; returns when that was first seen. */
async function waitForLedger(done: (count: number) => boolean, timeoutMs = 120_000): Promise<number> {
  await waitFor(async () => {
    const [{ n }] = (await db('processed_envelopes').count({ n: '*' })) as [{ n: number | string }];
    return done(Number(n));
  }, { timeoutMs, intervalMs: 100, what: 'the resolver to commit' });
  return Date.now();
}

