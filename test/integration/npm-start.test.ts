import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { topicsWithPrefix } from '../../config/topics.js';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { dropDatabase } from '../../db/client.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { testDatabaseServer } from '../helpers/db.js';
import { testKafka, TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';


/** `npm start` as a newcomer runs it, in a process group of its own so that "Ctrl-C" reaches all of it. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string; exited: Promise<string> }> {
  const child = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ?? `exit ${code}`)));
  return { child, output: () => output, exited };
}

describe('npm start', function () {
  this.timeout(180_000);

  describe('with NODE_ENV=production, as servers often have it', () => {
    const prefix = `start${randomBytes(4).toString('hex')}.`;
    let databaseUrl: string;
    const ownerKey = `start-owner-${randomBytes(12).toString('hex')}`;
    let gatewayPort: number;
    let resolverPort: number;
    let started: Awaited<ReturnType<typeof npmStart>>;
    let resolved: TopicReader;

    before(async () => {
      databaseUrl = `${testDatabaseServer()}/tributary_start_${randomBytes(4).toString('hex')}`;
      gatewayPort = await freePort();
      resolverPort = await freePort();
      started = await npmStart({ NODE_ENV: 'production', KAFKA_TOPIC_PREFIX: prefix, DATABASE_URL: databaseUrl,
        PORT: String(gatewayPort), RESOLVER_METRICS_PORT: String(resolverPort), OWNER_API_KEY: ownerKey, LOG_LEVEL: 'warn' });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined))?.ok,
        { timeoutMs: 120_000, intervalMs: 250, what: `the gateway to be ready; npm start said:\n${started.output()}` });
      resolved = await TopicReader.open(testKafka(), topicsWithPrefix(prefix).resolved);
    });

    after(async () => {
      await resolved?.close();
      if (started && started.child.exitCode === null && started.child.signalCode === null) process.kill(-started.child.pid!, 'SIGKILL');
      await dropDatabase(databaseUrl);
    });

    it('migrates, runs the gateway and the resolver, and resolves a message end to end', async () => {
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/messages`, {
        method: 'POST', headers: { authorization: `Bearer ${ownerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'start-1', account: 'demo', sender: { id: 'u1', name: 'Ada' }, text: 'hello' }),
      });
      expect(response.status).to.equal(202);
      const [record] = await resolved.waitForCount<ResolvedEnvelope>(1, 60_000);
      expect(record!.contact).to.include({ displayName: 'Ada', isNew: true });
      expect((await fetch(`http://127.0.0.1:${resolverPort}/readyz`)).status).to.equal(200);
    });

    it('serves the web-chat demo out of the box, and says where', async () => {
      expect(started.output()).to.include(`web chat demo: http://127.0.0.1:${gatewayPort}/webchat/demo`);
      expect((await fetch(`http://127.0.0.1:${gatewayPort}/webchat/demo`)).status).to.equal(200);
      expect((await (await fetch(`http://127.0.0.1:${gatewayPort}/webchat/config?site=default`)).json())).to.include({ hidden: false });
    });

    it('keeps running when one of its processes dies: starts it again and says so', async () => {
      const [gatewayPid] = execFileSync('pgrep', ['-g', String(started.child.pid), '-f', 'gateway/main.ts']).toString().trim().split('\n');
      process.kill(Number(gatewayPid), 'SIGKILL');
      await waitFor(() => /gateway exited; starting it again/.test(started.output()), { what: 'npm start to report the restart' });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined))?.ok,
        { timeoutMs: 60_000, intervalMs: 250, what: 'the gateway to be back' });
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/messages`, {
        method: 'POST', headers: { authorization: `Bearer ${ownerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'start-2', account: 'demo', sender: { id: 'u2', name: 'Grace' }, text: 'after the restart' }),
      });
      expect(response.status).to.equal(202);
      await resolved.waitForCount(2, 60_000);
      expect((await fetch(`http://127.0.0.1:${resolverPort}/readyz`)).status).to.equal(200);
    });

    it('stops everything it started on Ctrl-C', async () => {
      process.kill(-started.child.pid!, 'SIGINT');
      // npm itself ends by the signal, as it does on a terminal; what matters is that nothing it started stays.
      expect(await started.exited).to.be.oneOf(['SIGINT', 'exit 0', 'exit 130']);
      for (const port of [gatewayPort, resolverPort]) {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'closed')) === 'closed',
          { timeoutMs: 15_000, what: `port ${port} to close` });
      }
    });
  });

  describe('with no database reachable (DATABASE_URL unset, nothing answering where it looks)', () => {
    const prefix = `embedded${randomBytes(4).toString('hex')}.`;
    const ownerKey = `embedded-owner-${randomBytes(12).toString('hex')}`;
    let dataDir: string;
    let gatewayPort: number;
    let started: Awaited<ReturnType<typeof npmStart>>;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-pg-'));
      chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as user postgres, which must reach its data
      gatewayPort = await freePort();
      started = await npmStart({ DATABASE_URL: undefined, KAFKA_TOPIC_PREFIX: prefix, PORT: String(gatewayPort), RESOLVER_METRICS_PORT: String(await freePort()),
        OWNER_API_KEY: ownerKey, LOG_LEVEL: 'warn', LOCAL_POSTGRES_PROBE: `127.0.0.1:${await freePort()}`,
        LOCAL_POSTGRES_DIR: join(dataDir, 'postgres') });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined))?.ok,
        { timeoutMs: 150_000, intervalMs: 250, what: `the gateway to be ready; npm start said:\n${started.output()}` });
    });

    after(async () => {
      if (started && started.child.exitCode === null && started.child.signalCode === null) process.kill(-started.child.pid!, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts an embedded PostgreSQL, says so and where its data lives, and resolves a message on it', async () => {
      const port = /embedded PostgreSQL \d+ on 127\.0\.0\.1:(\d+)/.exec(started.output())?.[1];
      expect(port, started.output()).to.be.a('string');
      expect(started.output()).to.include(join(dataDir, 'postgres'));
      const resolved = await TopicReader.open(testKafka(), topicsWithPrefix(prefix).resolved);
      try {
        const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/messages`, {
          method: 'POST', headers: { authorization: `Bearer ${ownerKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'embedded-1', account: 'demo', sender: { id: 'u1', name: 'Ada' }, text: 'hello' }),
        });
        expect(response.status).to.equal(202);
        const [record] = await resolved.waitForCount<ResolvedEnvelope>(1, 60_000);
        expect(record!.contact).to.include({ displayName: 'Ada', isNew: true });
      } finally {
        await resolved.close();
      }
      const client = new pg.Client(`postgres://postgres:tributary-local@127.0.0.1:${port}/tributary`);
      await client.connect();
      const { rows } = await client.query('SELECT display_name FROM contacts');
      await client.end();
      expect(rows).to.deep.equal([{ display_name: 'Ada' }]);
    });

    it('stops the embedded PostgreSQL with everything else on Ctrl-C, and keeps its data', async () => {
      const port = Number(/embedded PostgreSQL \d+ on 127\.0\.0\.1:(\d+)/.exec(started.output())![1]);
      process.kill(-started.child.pid!, 'SIGINT');
      expect(await started.exited).to.be.oneOf(['SIGINT', 'exit 0', 'exit 130']);
      await waitFor(() => new Promise<boolean>((closed) => {
        const socket = connect(port, '127.0.0.1', () => { socket.destroy(); closed(false); }).on('error', () => closed(true));
      }), { timeoutMs: 15_000, what: `the embedded PostgreSQL on ${port} to stop` });
      expect(readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8').trim()).to.equal('18');
    });
  });
});
