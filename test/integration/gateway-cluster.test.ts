import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import type { Kafka } from 'kafkajs';
import type { Topics } from '../../config/topics.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { TopicReader, brokers, createTestTopics, testKafka } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

/** The `web` process with WEB_CONCURRENCY=2: a node cluster whose workers share the port. */
describe('gateway on several cores (WEB_CONCURRENCY)', function () {
  this.timeout(120_000);
  let kafka: Kafka;
  let topics: Topics;
  let testDb: TestDb;
  let key: string;
  const started: ChildProcess[] = [];

  before(async () => {
    kafka = testKafka();
    topics = await createTestTopics(kafka, 2);
    testDb = await createTestDb();
    key = `cluster-${Math.random().toString(36).slice(2)}-key`;
    await createApiKey(testDb.db, { name: 'cluster test', role: 'owner', key });
  });
  after(async () => {
    for (const child of started) child.kill('SIGKILL');
    for (const pid of started.flatMap((child) => workersOf(child.pid!))) process.kill(pid, 'SIGKILL');
    await testDb.drop();
  });

  async function startGateway(env: Record<string, string> = {}) {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAFKA_BROKERS: brokers().join(','), DATABASE_URL: testDb.url, LOG_LEVEL: 'info', PORT: String(port),
        KAFKA_TOPIC_PREFIX: topics.inbound.replace('tributary.inbound.v1', ''), WEB_CONCURRENCY: '2', ...env } });
    started.push(child);
    // Every process logs to the same stdout: which workers the primary saw serve, and what went wrong if a test fails.
    const logs: { worker?: number; msg: string; level: number }[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as { worker?: number; msg: string; level: number });
      } catch {
        // not a log line
      }
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const serving = (pid: number) => logs.some((entry) => entry.worker === pid && entry.msg === 'worker serving');
    /** Two workers, both seen serving by the primary (one killed before that counts as a failed start). */
    const twoServing = () => {
      const workers = workersOf(child.pid!);
      return workers.length === 2 && workers.every(serving);
    };
    return { child, port, exited, logs, twoServing };
  }

  /** One request on a connection of its own (no keep-alive), so the primary hands each to the next worker. */
  function call(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}):
    Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: '127.0.0.1', port, method, path, agent: false,
        headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject).end(payload);
    });
  }

  const ready = (port: number) => waitFor(async () => (await call(port, 'GET', '/readyz').catch(() => undefined))?.status === 200,
    { timeoutMs: 60_000, what: 'the gateway to be ready' });
  const post = (port: number, id: string) => call(port, 'POST', '/v1/messages', { id, account: 'acme', sender: { id: 'cluster-visitor' }, text: id });

  it('serves the port from two workers, counts every worker in /metrics, replaces a worker that dies and stops on SIGTERM with nothing lost', async () => {
    const { child, port, exited, twoServing } = await startGateway();
    const inbound = await TopicReader.open(kafka, topics.inbound);
    try {
      await waitFor(twoServing, { timeoutMs: 60_000, what: 'two serving workers' });
      const workers = workersOf(child.pid!);

      const ids = Array.from({ length: 40 }, (_, i) => `cluster-${i}`);
      for (const id of ids) expect((await post(port, id)).status).to.equal(202);
      // Round-robin hands the 40 connections to both workers: a worker's own registry would count about half.
      const metrics = await call(port, 'GET', '/metrics');
      expect(metrics.status, metrics.text).to.equal(200);
      expect(acceptedCount(metrics.text)).to.equal(40);

      process.kill(workers[0]!, 'SIGKILL');
      await waitFor(() => { const now = workersOf(child.pid!); return now.length === 2 && !now.includes(workers[0]!); },
        { timeoutMs: 60_000, what: 'a new worker in place of the killed one' });
      await ready(port);
      const more = Array.from({ length: 10 }, (_, i) => `after-kill-${i}`);
      for (const id of more) expect((await post(port, id)).status).to.equal(202);

      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(workersOf(child.pid!)).to.deep.equal([]);
      const messages = await inbound.waitForCount<{ message: { providerId: string } }>(ids.length + more.length);
      expect(new Set(messages.map((m) => m.message.providerId))).to.deep.equal(new Set([...ids, ...more]));
    } finally {
      await inbound.close();
    }
  });

  it('keeps one web-chat rate limit for the port, not one per worker', async () => {
    const { child, port, exited } = await startGateway({ WEBCHAT_SECRET: 'cluster-test-secret-0123456789abcdef0123456789',
      WEBCHAT_SESSIONS_PER_MINUTE: '3' });
    await ready(port);
    // Four connections from one address: round-robin gives each worker two, so limits per worker would allow all four.
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await call(port, 'POST', '/webchat/session?site=default', { site: 'default' })).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });

  it('stops with 0 when Ctrl-C reaches the primary and every worker at once', async () => {
    const { child, port, exited, logs } = await startGateway();
    await ready(port);
    // A terminal signals the whole process group: each worker hears SIGINT itself, then the primary's stop.
    for (const pid of [...workersOf(child.pid!), child.pid!]) process.kill(pid, 'SIGINT');
    expect(await exited, JSON.stringify(logs.filter((entry) => entry.level >= 40))).to.equal(0);
  });

  it('stops with 1 when workers keep dying (more than five in a minute) instead of replacing them for ever', async () => {
    const { child, exited, twoServing, logs } = await startGateway();
    let code: number | null | undefined;
    void exited.then((exitCode) => (code = exitCode));
    for (let death = 1; death <= 6; death++) {
      // Killed before the primary saw it serve, a worker would be one that cannot start: wait until both did.
      await waitFor(() => code !== undefined || twoServing(), { timeoutMs: 60_000, what: 'two serving workers' });
      expect(code, JSON.stringify(logs.filter((entry) => entry.level >= 50 || entry.msg.includes('worker')))).to.equal(undefined);
      process.kill(workersOf(child.pid!)[0]!, 'SIGKILL');
    }
    expect(await exited).to.equal(1);
  });

  it('stops with 1, instead of starting workers again and again, when a worker cannot start', async () => {
    // The owner key is written at start-up: a database that does not exist fails every worker's start.
    const { exited } = await startGateway({ DATABASE_URL: `${testDb.url}_missing`, OWNER_API_KEY: 'an-owner-key-that-is-long-enough' });
    expect(await exited).to.equal(1);
  });
});

/** The gateway processes whose parent is `pid` (tsx's esbuild service is a child too). */
function workersOf(pid: number): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((child) => {
    try {
      return Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid
        && readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('gateway/main');
    } catch {
      return false;
    }
  });
}

function acceptedCount(text: string): number {
  return text.split('\n').filter((line) => line.startsWith('tributary_gateway_messages_in_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
