/**
 * `npm run bench [-- --profile]`: how fast Tributary goes on this machine, and what each part costs.
 *   drain         one resolver process draining N envelopes (half from existing identities, half new)
 *   pass-through  a consumer that only copies the same N in Kafka transactions: the ceiling on this broker
 *   database      the resolver's own resolveBatch alone, in this process, one connection, at several batch sizes,
 *                 with the time of each statement
 *   http          gateway (one worker per core) and resolver processes: end-to-end latency at a fixed offered
 *                 rate, keyed by the id each request sent; then the accept rate with 64 concurrent clients, with
 *                 the resolver paused (the gateway's capacity) and with it resolving beside the gateway
 *   admin         a 50,000-row CSV import, and a page of the contact list once the database holds 100k contacts
 * CPU of the resolver, gateway, PostgreSQL, Kafka and the whole machine is read from /proc, per message.
 * Prints a table (each figure beside what it must reach), writes JSON and an SVG chart under bench/results/;
 * `--profile` also writes CPU profiles of the gateway and the resolver there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { producerDefaults } from '../config/kafka.js';
import { topicsWithPrefix, type Topics } from '../config/topics.js';
import { envelopeId, type Envelope } from '../connectors/envelope.js';
import { envelopeRecord } from '../connectors/publisher.js';
import { createDb, dropDatabase, ensureDatabase } from '../db/client.js';
import { migrateLatest } from '../db/migrate.js';
import { createApiKey } from '../db/repositories/api-keys.js';
import { resolveBatch } from '../resolvers/identity/resolve.js';
import { freePort, startLocalKafka, type LocalKafka } from '../scripts/kafka/local-kafka.js';
import { localPostgres } from '../scripts/postgres/local-postgres.js';
import { envelope } from '../test/helpers/envelopes.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { benchChart } from './chart.js';
import { databaseReference } from './db-reference.js';
import { httpClient } from './http-client.js';
import { machineSpeed, type MachineSpeed } from './machine-speed.js';
import { cpuMeter, peakRssMb, processesMatching, processTree, totalRssMb } from './proc.js';

const { values: flags } = parseArgs({ options: { profile: { type: 'boolean', default: false } } });
const N = Number(process.env.BENCH_N ?? 100_000);
const EXISTING = Number(process.env.BENCH_EXISTING ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 40);
const REFERENCE_N = Number(process.env.BENCH_REFERENCE_N ?? 30_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 50_000);
const PARTITIONS = 6;
/** The gateway on every core, as `WEB_CONCURRENCY` puts it (BENCH_WEB_CONCURRENCY to try another count). */
const GATEWAY_WORKERS = Number(process.env.BENCH_WEB_CONCURRENCY ?? cpus().length);
const ACCOUNT = 'bench';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const profileDir = `bench/results/profiles-${stamp}`;
const say = (line: string) => process.stderr.write(`${line}\n`);

let localKafka: LocalKafka | undefined;
if (!process.env.KAFKA_BROKERS) localKafka = await startLocalKafka({ name: 'bench', port: 0, ephemeral: true, log: say });
const brokers = process.env.KAFKA_BROKERS ?? localKafka!.brokers;
const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const localDatabase = process.env.BENCH_DATABASE_SERVER ? undefined : await localPostgres({ probe: process.env.LOCAL_POSTGRES_PROBE, log: say });
const server = process.env.BENCH_DATABASE_SERVER ?? localDatabase!.server;
const databaseUrl = `${server}/tributary_bench_${randomBytes(4).toString('hex')}`;
await ensureDatabase(databaseUrl);
const db = createDb({ url: databaseUrl, poolMax: 4 });
await migrateLatest(db);
const children: ChildProcess[] = [];
const groups = {
  postgres: () => processesMatching((comm) => comm === 'postgres'),
  kafka: () => processesMatching((_comm, cmdline) => cmdline.includes('kafka.Kafka')),
  bench: () => [process.pid],
};
if (flags.profile) mkdirSync(profileDir, { recursive: true });

try {
  // A just-started broker's JVM spends its first minutes compiling, at up to twice the CPU it settles at: the
  // phases below measure a broker as production runs one, not one that started a minute ago.
  say('machine: timing a fixed piece of work (again at the end)…');
  const speedBefore = await machineSpeed(db);
  say('kafka: warming the broker up with a pass-through that is not counted…');
  await passThroughPhase();
  const drain = await drainPhase();
  const passThrough = await passThroughPhase();
  say(`database: resolveBatch alone at several batch sizes (${REFERENCE_N} envelopes each)…`);
  const reference = await databaseReference({ serverUrl: server, n: REFERENCE_N, existing: existingEnvelopes(),
    envelopes: drainEnvelopes, batchSizes: [50, 250, 1_000, 2_500] });
  const http = await httpPhase();
  const admin = await adminPhase(http);
  await Promise.all([stopChild(http.gateway), stopChild(http.resolver)]);
  report({ drain, passThrough, reference, http, admin, speed: { before: speedBefore, after: await machineSpeed(db) } });
} finally {
  for (const child of children) child.kill('SIGKILL');
  await db.destroy();
  await dropDatabase(databaseUrl);
  await localKafka?.stop();
  await localDatabase?.stop();
}

/** One resolver process draining N envelopes produced beforehand. */
async function drainPhase() {
  const topics = await createTopics();
  say(`drain: ${EXISTING} existing identities, then ${N} envelopes…`);
  await resolveAll(existingEnvelopes());
  await produceAll(topics.inbound, drainEnvelopes(N));
  const metricsPort = await freePort();
  const resolver = startChild('resolver', 'resolver', { KAFKA_TOPIC_PREFIX: prefixOf(topics),
    RESOLVER_GROUP_ID: `bench-${randomBytes(3).toString('hex')}`, RESOLVER_METRICS_PORT: String(metricsPort) });
  const meter = cpuMeter({ resolver: () => processTree(resolver.pid!), ...groups });
  // The clock starts when the resolver starts its first batch, not when that batch is committed: with large
  // fetches the first batch alone is a fifth of the drain, and it must be counted.
  await waitFor(async () => (await resolverCounters(metricsPort)).batches > 0,
    { timeoutMs: 120_000, intervalMs: 10, what: 'the resolver to start its first batch' });
  meter.start();
  const startedAt = Date.now();
  await waitForLedger((count) => count >= EXISTING + N, 600_000);
  const seconds = (Date.now() - startedAt) / 1000;
  const cpu = perMessage(meter.stop(), N);
  const phases = resolverPhases(await resolverCounters(metricsPort));
  const rssMb = peakRssMb(processTree(resolver.pid!));
  await stopChild(resolver);
  return { seconds, perSecond: N / seconds, cpuMicrosPerMessage: cpu, phases, resolverPeakRssMb: rssMb };
}

/** The same N through a consumer that only re-publishes them, with a Kafka transaction per batch like the resolver. */
async function passThroughPhase() {
  const topics = await createTopics();
  say('pass-through: copying the same envelopes in Kafka transactions…');
  await produceAll(topics.inbound, drainEnvelopes(N));
  const groupId = `bench-pass-${randomBytes(3).toString('hex')}`;
  const producer = kafka.producer({ ...producerDefaults, transactionalId: groupId, idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 1_048_576 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: topics.inbound, fromBeginning: true });
  const meter = cpuMeter(groups);
  let count = 0;
  let startedAt = 0;
  await new Promise<void>((finish) => {
    void consumer.run({
      autoCommit: false, eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (!startedAt) {
          startedAt = Date.now();
          meter.start();
        }
        const transaction = await producer.transaction();
        await transaction.send({ topic: topics.resolved, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic,
          partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
        await transaction.commit();
        resolveOffset(batch.lastOffset());
        count += batch.messages.length;
        if (count >= N) finish();
      },
    });
  });
  const seconds = (Date.now() - startedAt) / 1000;
  const cpu = perMessage(meter.stop(), N);
  await consumer.disconnect();
  await producer.disconnect();
  return { seconds, perSecond: N / seconds, cpuMicrosPerMessage: cpu };
}

/** Gateway and resolver processes: latency at a fixed offered rate, then the accept rate. */
async function httpPhase() {
  const topics = await createTopics();
  const port = await freePort();
  const metricsPort = await freePort();
  const key = `bench-${randomBytes(12).toString('hex')}`;
  await createApiKey(db, { name: 'bench', role: 'owner', key });
  const env = { KAFKA_TOPIC_PREFIX: prefixOf(topics), PORT: String(port), RESOLVER_METRICS_PORT: String(metricsPort),
    RESOLVER_GROUP_ID: `bench-e2e-${randomBytes(3).toString('hex')}`, IMPORT_MAX_BYTES: String(64 * 1_048_576) };
  const gateway = startChild('gateway', 'web', { ...env, WEB_CONCURRENCY: String(GATEWAY_WORKERS) });
  const resolver = startChild('resolver', 'resolver', env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, { what: 'the gateway to be ready' });

  /** When each envelope id was sent: by the monotonic clock for its latency, by the wall clock for its stages. */
  const sentAt = new Map<string, { at: number; wallAt: number }>();
  const latencies: number[] = [];
  const answers: number[] = [];
  let counting = false;
  const consumer = kafka.consumer({ groupId: `bench-reader-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.resolved, fromBeginning: true });
  // Where each message's time went, by wall clock: sent → the gateway's receivedAt stamp (so the load generator's
  // own delays count here) → the resolver starting its batch (resolvedAt) → read here.
  const stages = { toGateway: [] as number[], toResolver: [] as number[], resolveAndCommit: [] as number[] };
  // It commits no offsets: each commit is a request to the broker the system under test shares (80 a second at 1,000 msg/s).
  await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => {
    const id = message.headers?.['envelope-id']?.toString() ?? '';
    const sent = sentAt.get(id);
    if (sent === undefined || !counting) return;
    latencies.push(performance.now() - sent.at);
    const { receivedAt, resolvedAt } = JSON.parse(message.value!.toString()) as { receivedAt: string; resolvedAt: string };
    const [received, resolving] = [Date.parse(receivedAt), Date.parse(resolvedAt)];
    stages.toGateway.push(received - sent.wallAt);
    stages.toResolver.push(resolving - received);
    stages.resolveAndCommit.push(Date.now() - resolving);
  } });
  const client = httpClient({ host: '127.0.0.1', port, maxSockets: 128,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  // The envelope id is known before the request is sent (UUIDv5 of channel, account and message id), so a
  // record that reaches the resolved topic before its HTTP answer is still timed.
  const post = async (sender: string) => {
    const id = randomBytes(8).toString('hex');
    sentAt.set(envelopeId('api', ACCOUNT, id), { at: performance.now(), wallAt: Date.now() });
    const asked = performance.now();
    const status = await client.post('/v1/messages', JSON.stringify({ id, account: ACCOUNT, sender: { id: sender }, text: 'hello' }));
    if (status !== 202) throw new Error(`gateway answered ${status}`);
    if (counting) answers.push(performance.now() - asked);
  };

  /** `rate` requests a second for `seconds`, each from one of 5,000 senders; resolves when every record is read. */
  const offer = async (rate: number, seconds: number, prefix: string) => {
    const total = rate * seconds;
    const expected = latencies.length + total;
    const begin = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = begin + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((ready) => setTimeout(ready, wait));
      const sent = post(`${prefix}-${i % 5_000}`);
      sent.catch(() => {}); // seen by Promise.all below; a rejection before then must not end the process
      inFlight.push(sent);
    }
    await Promise.all(inFlight);
    await waitFor(() => latencies.length >= expected, { timeoutMs: 300_000, what: 'every record on the resolved topic' });
  };

  // The same load before the measured one: the broker's JVM has not yet compiled the paths of small transactions
  // and single-record produce requests, which cost it twice the CPU until it has (10 s of it were not enough).
  say(`http: warming up at ${RATE} msg/s for ${WARMUP_SECONDS} s…`);
  counting = true;
  await offer(RATE, WARMUP_SECONDS, 'warm');
  latencies.length = 0;
  answers.length = 0;
  for (const stage of Object.values(stages)) stage.length = 0;

  const meter = cpuMeter({ gateway: () => processTree(gateway.pid!), resolver: () => processTree(resolver.pid!), ...groups });
  /** Requests answered in 5 s by 64 clients that each send the next as soon as the last is answered. */
  const acceptRate = async () => {
    let accepted = 0;
    meter.start();
    const acceptEnd = performance.now() + 5_000;
    await Promise.all(Array.from({ length: 64 }, async (_, worker) => {
      while (performance.now() < acceptEnd) {
        await post(`burst-${worker}-${accepted % 100}`);
        accepted++;
      }
    }));
    return { accepted, perSecond: accepted / 5, cpu: perMessage(meter.stop(), accepted) };
  };

  say(`http: offering ${RATE} msg/s for ${SECONDS} s…`);
  const total = RATE * SECONDS;
  const countersBefore = await resolverCounters(metricsPort);
  meter.start();
  await offer(RATE, SECONDS, 'rate');
  const rateCpu = perMessage(meter.stop(), total);
  const ratePhases = resolverPhases(await resolverCounters(metricsPort), countersBefore);
  const latency = { offeredRate: RATE, seconds: SECONDS, p50Ms: percentile(latencies, 50), p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99), maxMs: percentile(latencies, 100),
    answer: { p50Ms: percentile(answers, 50), p99Ms: percentile(answers, 99) }, resolverPhases: ratePhases,
    stages: Object.fromEntries(Object.entries(stages).map(([name, ms]) => [name, { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) }])) };
  const latenciesMs = [...latencies];
  counting = false;

  // The gateway's own capacity: the resolver (and this reader) paused, as if they ran on machines of their own
  // (see "Past one machine"); Kafka keeps what is accepted, and every message must be resolved once they resume.
  const ledgerBefore = await ledgerCount();
  say('http: accept rate, 64 concurrent clients for 5 s, the resolver paused…');
  resolver.kill('SIGSTOP');
  consumer.pause([{ topic: topics.resolved }]);
  const alone = await acceptRate();
  resolver.kill('SIGCONT');
  consumer.resume([{ topic: topics.resolved }]);
  say('http: accept rate, 64 concurrent clients for 5 s, the resolver resolving beside the gateway…');
  const beside = await acceptRate();
  await waitForLedger((count) => count >= ledgerBefore + alone.accepted + beside.accepted, 300_000);
  await consumer.disconnect();
  client.close();
  if (client.resent > 0) say(`http: ${client.resent} requests sent again after the gateway closed a kept-alive socket`);
  const result = { latency, latenciesMs, rateCpuMicrosPerMessage: rateCpu, gatewayWorkers: GATEWAY_WORKERS,
    acceptPerSecond: alone.perSecond, acceptCpuMicrosPerRequest: alone.cpu,
    acceptBesideResolverPerSecond: beside.perSecond, acceptBesideResolverCpuMicrosPerRequest: beside.cpu,
    gatewayPeakRssMb: peakRssMb(processTree(gateway.pid!)), gatewayTreeRssMb: totalRssMb(processTree(gateway.pid!)),
    resolverPeakRssMb: peakRssMb(processTree(resolver.pid!)), base, key };
  return { ...result, gateway, resolver };
}

/** A CSV import through the admin API, then a page of the contact list on a database of 100k contacts or more. */
async function adminPhase({ base, key }: { base: string; key: string }) {
  const headers = { authorization: `Bearer ${key}` };
  say(`admin: importing ${IMPORT_ROWS} contacts from CSV…`);
  const csv = ['name,email,phone,tags', ...Array.from({ length: IMPORT_ROWS }, (_, n) =>
    `Person ${n},imported${n}@people.dev,+1415${String(5_000_000 + n).padStart(7, '0')},bulk`)].join('\n');
  const started = performance.now();
  const accepted = await fetch(`${base}/api/contacts/import`, { method: 'POST', body: csv, headers: { ...headers, 'content-type': 'text/csv' } });
  if (accepted.status !== 202) throw new Error(`import answered ${accepted.status}: ${await accepted.text()}`);
  const job = await accepted.json() as { id: string };
  await waitFor(async () => {
    const status = await (await fetch(`${base}/api/jobs/${job.id}`, { headers })).json() as { status: string };
    if (status.status === 'failed') throw new Error('the import job failed');
    return status.status === 'succeeded';
  }, { timeoutMs: 600_000, intervalMs: 200, what: 'the import' });
  const importSeconds = (performance.now() - started) / 1000;
  const [{ n: contacts }] = (await db('contacts').count({ n: '*' })) as [{ n: number | string }];

  const time = async (path: string) => {
    const runs: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const response = await fetch(`${base}${path}`, { headers });
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      await response.arrayBuffer();
      runs.push(performance.now() - t0);
    }
    return Number(runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!.toFixed(1));
  };
  const pages = {
    newestFirstMs: await time('/api/contacts?limit=50'),
    byLastInteractionMs: await time('/api/contacts?limit=50&sort=-lastInteraction'),
    searchMs: await time('/api/contacts?limit=50&q=person%2012'),
  };
  return { importRows: IMPORT_ROWS, importSeconds, importRowsPerSecond: IMPORT_ROWS / importSeconds, contacts: Number(contacts), pages };
}

interface Results {
  drain: Awaited<ReturnType<typeof drainPhase>>;
  passThrough: Awaited<ReturnType<typeof passThroughPhase>>;
  reference: Awaited<ReturnType<typeof databaseReference>>;
  http: Awaited<ReturnType<typeof httpPhase>>;
  admin: Awaited<ReturnType<typeof adminPhase>>;
  speed: { before: MachineSpeed; after: MachineSpeed };
}

function report({ drain, passThrough, reference, http, admin, speed }: Results): void {
  // Everything the http phase measured but the latency series and the handles it kept for the admin phase.
  const { latency: _latency, latenciesMs: _series, gateway: _gateway, resolver: _resolver, base: _base, key: _key, ...httpFigures } = http;
  const ratio = drain.perSecond / passThrough.perSecond;
  const machineCpu = drain.cpuMicrosPerMessage.machine!;
  const batch = drain.phases.batchSize;
  const figures = [
    { figure: 'resolver drain (msg/s)', value: Math.round(drain.perSecond), must: Math.round(0.45 * passThrough.perSecond), aim: Math.round(0.7 * passThrough.perSecond), more: true },
    { figure: 'kafkajs pass-through (msg/s)', value: Math.round(passThrough.perSecond), must: undefined, aim: undefined, more: true },
    { figure: 'drain / pass-through', value: Number(ratio.toFixed(2)), must: 0.45, aim: 0.7, more: true },
    { figure: 'machine CPU per drained message (µs)', value: Math.round(machineCpu), must: 120, aim: 90, more: false },
    { figure: `HTTP accept, 1 message/request, ${http.gatewayWorkers} gateway workers (req/s)`, value: Math.round(http.acceptPerSecond), must: 5_000, aim: 8_000, more: true },
    { figure: '… with the resolver resolving beside it (req/s)', value: Math.round(http.acceptBesideResolverPerSecond), must: undefined, aim: undefined, more: true },
    { figure: `e2e p50 at ${RATE} msg/s (ms)`, value: http.latency.p50Ms, must: undefined, aim: undefined, more: false },
    { figure: `e2e p99 at ${RATE} msg/s (ms)`, value: http.latency.p99Ms, must: 50, aim: 20, more: false },
    { figure: 'resolver peak RSS (MB)', value: Math.max(drain.resolverPeakRssMb, http.resolverPeakRssMb), must: 300, aim: undefined, more: false },
    { figure: 'gateway peak RSS, largest process (MB)', value: http.gatewayPeakRssMb, must: 150, aim: undefined, more: false },
    { figure: '… all gateway processes together at the end (MB)', value: http.gatewayTreeRssMb, must: undefined, aim: undefined, more: false },
    { figure: 'CSV import (rows/s)', value: Math.round(admin.importRowsPerSecond), must: undefined, aim: undefined, more: true },
    { figure: `contact list page at ${Math.round(admin.contacts / 1000)}k contacts (ms)`, value: admin.pages.newestFirstMs, must: undefined, aim: undefined, more: false },
  ];
  const verdict = (f: typeof figures[number]) => (f.must === undefined ? '' : (f.more ? f.value >= f.must : f.value <= f.must) ? 'yes' : 'NO');
  console.table(Object.fromEntries(figures.map((f) => [f.figure, { value: f.value, 'must reach': f.must ?? '', aim: f.aim ?? '', holds: verdict(f) }])));
  const costs = (cpu: Record<string, number>) => Object.fromEntries(Object.entries(cpu).map(([name, value]) => [name, Math.round(value)]));
  console.table({
    'drain, per message': costs(drain.cpuMicrosPerMessage),
    'pass-through, per message': costs(passThrough.cpuMicrosPerMessage),
    [`http at ${RATE}/s, per message`]: costs(http.rateCpuMicrosPerMessage),
    'http accept, resolver paused, per request': costs(http.acceptCpuMicrosPerRequest),
    'http accept, resolver resolving, per request': costs(http.acceptBesideResolverCpuMicrosPerRequest),
  });
  say(`CPU µs per message by process (machine: all of it). The resolver's batches averaged ${Math.round(batch)} messages: `
    + `parse ${drain.phases.parseMs.toFixed(1)} ms, PostgreSQL ${drain.phases.resolveMs.toFixed(1)} ms, Kafka commit ${drain.phases.commitMs.toFixed(1)} ms `
    + `(${commitSteps(drain.phases)}) per batch.`);
  const rate = http.latency.resolverPhases;
  say(`at ${RATE} msg/s: the gateway answered in ${http.latency.answer.p50Ms} ms (p99 ${http.latency.answer.p99Ms}); the resolver's batches `
    + `averaged ${rate.batchSize.toFixed(1)} messages (${rate.batches} batches): parse ${rate.parseMs.toFixed(1)} ms, `
    + `PostgreSQL ${rate.resolveMs.toFixed(1)} ms, Kafka commit ${rate.commitMs.toFixed(1)} ms (${commitSteps(rate)}) per batch. Stages p50 / p99 (ms, wall clock): `
    + Object.entries(http.latency.stages).map(([name, { p50Ms, p99Ms }]) => `${name} ${p50Ms} / ${p99Ms}`).join(', '));
  const atBatch = reference.find((run) => run.batch === 1_000) ?? reference[0]!;
  say(`database alone: ${reference.map((run) => `${run.batch}/batch ${Math.round(run.perSecond)} msg/s`).join(', ')}; `
    + `statements at ${atBatch.batch}/batch (ms per batch): ${atBatch.statements.map((s) => `${s.statement} ${s.msPerBatch}`).join(', ')}`);
  say(`admin: import ${Math.round(admin.importRowsPerSecond)} rows/s; with ${admin.contacts} contacts a page takes ${admin.pages.newestFirstMs} ms `
    + `(by last interaction ${admin.pages.byLastInteractionMs} ms, with a search ${admin.pages.searchMs} ms)`);
  say(`machine speed (a fixed piece of work, ms, lower is faster; at the start → at the end): JavaScript `
    + `${speed.before.javascriptMs} → ${speed.after.javascriptMs}, PostgreSQL ${speed.before.postgresMs} → ${speed.after.postgresMs}`);

  const summary = { at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, speed }, n: N, existingIdentities: EXISTING,
    partitions: PARTITIONS, figures, drain, passThrough, drainToPassThrough: Number(ratio.toFixed(2)), reference,
    http: { ...http.latency, ...httpFigures },
    admin, profiles: flags.profile ? profileDir : undefined };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${stamp}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  const chart = benchChart({ title: `Tributary bench, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
    reference: reference.map((run) => ({ batch: run.batch, perSecond: run.perSecond })),
    drain: { batch: Math.max(1, Math.round(batch)), perSecond: drain.perSecond }, passThrough: passThrough.perSecond, latenciesMs: http.latenciesMs });
  writeFileSync(`bench/results/${stamp}.svg`, chart);
  writeFileSync('bench/results/latest.svg', chart);
  say(`results: bench/results/${stamp}.json and .svg${flags.profile ? `; CPU profiles in ${profileDir}` : ''}`);
}

/** The resolver's own histograms: batches, messages and seconds spent in each phase so far. */
async function resolverCounters(port: number) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const seconds = (phase: string) => value(new RegExp(`tributary_resolver_phase_seconds_sum\\{phase="${phase}"\\} (\\S+)`));
  return { batches: value(/tributary_resolver_batch_size_count (\S+)/), messages: value(/tributary_resolver_batch_size_sum (\S+)/),
    seconds: { parse: seconds('parse'), resolve: seconds('resolve'), commit: seconds('commit'), records: seconds('commit_records'),
      offsets: seconds('commit_offsets'), end: seconds('commit_end') } };
}

type ResolverCounters = Awaited<ReturnType<typeof resolverCounters>>;

/** Mean batch size and mean time per batch of each phase between two readings of the resolver's histograms. */
function resolverPhases(after: ResolverCounters, before?: ResolverCounters) {
  const batches = after.batches - (before?.batches ?? 0);
  const perBatch = (name: keyof ResolverCounters['seconds']) =>
    batches === 0 ? 0 : ((after.seconds[name] - (before?.seconds[name] ?? 0)) / batches) * 1000;
  return { batches, batchSize: batches === 0 ? 0 : (after.messages - (before?.messages ?? 0)) / batches,
    parseMs: perBatch('parse'), resolveMs: perBatch('resolve'), commitMs: perBatch('commit'),
    commitSteps: { recordsMs: perBatch('records'), offsetsMs: perBatch('offsets'), endMs: perBatch('end') } };
}

/** The Kafka transaction's steps, as the resolver times them. */
function commitSteps({ commitSteps: steps }: ReturnType<typeof resolverPhases>): string {
  return `records ${steps.recordsMs.toFixed(1)}, offsets ${steps.offsetsMs.toFixed(1)}, EndTxn ${steps.endMs.toFixed(1)}`;
}

function existingEnvelopes(): Envelope[] {
  return Array.from({ length: EXISTING }, (_, i) => benchEnvelope(`existing-${i}`));
}

function drainEnvelopes(n: number): Envelope[] {
  return Array.from({ length: n }, (_, i) => benchEnvelope(i % 2 === 0 ? `existing-${i % EXISTING}` : `new-${i}`));
}

function benchEnvelope(sender: string): Envelope {
  return envelope({ channel: 'api', account: ACCOUNT, kind: 'api_user', scope: ACCOUNT, id: sender,
    ...(sender.startsWith('new-') ? { profile: { name: `Person ${sender}`, email: `${sender}@people.dev` } } : {}) });
}

async function resolveAll(envelopes: Envelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += 1_000) {
    await resolveBatch(db, envelopes.slice(start, start + 1_000).map((e, i) => ({ envelope: e,
      source: { topic: 'preload', partition: 0, offset: String(start + i) } })), new Date());
  }
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

async function produceAll(topic: string, envelopes: Envelope[]): Promise<void> {
  // As the gateway's publisher writes them (checked against the contract, with its headers).
  const messages: Message[] = envelopes.map((e) => envelopeRecord(e));
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 5_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 5_000) });
  await producer.disconnect();
}

/** A process as the Procfile runs it (`web`, `resolver`): the same entry point and the same Node flags. */
function startChild(name: string, role: string, env: Record<string, string>): ChildProcess {
  // One directory per process name: Node names each profile by time, pid and thread, so a cluster's workers
  // (which inherit the flags) write one each instead of overwriting one file.
  const profile = flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${name}`] : [];
  const child = spawn(process.execPath, [...profile, ...procfileArgs(role)], { stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...env } });
  children.push(child);
  return child;
}

/** SIGTERM, so that a profiled process writes its profile, and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

function prefixOf(topics: Topics): string {
  return topics.inbound.replace('tributary.inbound.v1', '');
}

/** The p-th percentile of `values`, in their unit, to a tenth. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1));
}

function perMessage(cpu: Record<string, number>, messages: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([name, micros]) => [name, micros / messages]));
}

/** Waits until the ledger count satisfies `done`. */
async function waitForLedger(done: (count: number) => boolean, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => done(await ledgerCount()), { timeoutMs, intervalMs: 50, what: 'the resolver to commit' });
}

async function ledgerCount(): Promise<number> {
  const [{ n }] = (await db('processed_envelopes').count({ n: '*' })) as [{ n: number | string }];
  return Number(n);
}

/** The arguments after `node` on the Procfile's line for `role`. */
function procfileArgs(role: string): string[] {
  const line = readFileSync('Procfile', 'utf8').split('\n').find((entry) => entry.startsWith(`${role}:`));
  const words = line?.slice(role.length + 1).trim().split(/\s+/) ?? [];
  if (words[0] !== 'node') throw new Error(`the Procfile has no \`${role}: node …\` line`);
  return words.slice(1);
}
