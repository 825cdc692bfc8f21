import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { Registry } from 'prom-client';
import { parseMailboxes } from '../../config/mailboxes.js';
import { createImapConnector } from '../../connectors/email/connector.js';
import type { Envelope, ResolvedEnvelope } from '../../connectors/envelope.js';
import { createPublisher } from '../../connectors/publisher.js';
import { connectorStateStore } from '../../db/repositories/connector-state.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { createSupervisor, type Supervisor } from '../../runtime/supervisor.js';
import { artifactPath } from '../helpers/artifacts.js';
import { startDovecot, type TestMailServer } from '../helpers/dovecot.js';
import { apiMessage } from '../helpers/envelopes.js';
import { logger, startHarness, type Harness } from '../helpers/harness.js';
import { brokers, type TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

const FIXTURES = new URL('../fixtures/email/', import.meta.url);
const fixture = (path: string) => readFileSync(new URL(path, FIXTURES));

/** An RFC 822 message as a mail client would write it (nodemailer's MailComposer). */
function composed(options: { from: string; to: string; subject: string; text: string; messageId?: string }): Promise<Buffer> {
  return new MailComposer({ ...options, date: new Date() }).compile().build();
}

describe('email over IMAP (real Dovecot, Kafka and PostgreSQL)', function () {
  this.timeout(120_000);
  let harness: Harness;
  let dovecot: TestMailServer;
  let inbound: TopicReader;
  let resolved: TopicReader;
  const running: Supervisor[] = [];

  before(async () => {
    [harness, dovecot] = await Promise.all([startHarness(), startDovecot()]);
    inbound = await harness.read('inbound');
    resolved = await harness.read('resolved');
  });
  after(async () => {
    await Promise.all(running.map((supervisor) => supervisor.stop()));
    await harness.close();
    await dovecot.stop();
  });

  /** Runs a mailbox in this process, as the `email` process runs it, until the test suite ends. */
  async function readMailbox(url: string, pollIntervalS?: number): Promise<Supervisor> {
    const [mailbox] = parseMailboxes(url);
    const settings = { ...mailbox!, ...(pollIntervalS ? { pollIntervalS } : {}) };
    const producer = harness.kafka.producer();
    await producer.connect();
    const publisher = createPublisher({ producer, topic: harness.topics.inbound, timeoutMs: 10_000, logger });
    const supervisor = createSupervisor({ logger, registry: new Registry(), publish: (envelopes) => publisher.publish(envelopes),
      connectors: settings.folders.map((folder) => createImapConnector({ mailbox: settings, folder, logger, clock: () => new Date(),
        store: connectorStateStore(harness.testDb.db, 'email', settings.address) })) });
    supervisor.start();
    running.push(supervisor);
    await waitFor(() => supervisor.statuses().every((status) => status.state === 'live'), { what: 'the mailbox to be live' });
    return supervisor;
  }

  const fromMailbox = (address: string) => inbound.json<Envelope>().filter((envelope) => envelope.account === address);
  const resolvedFrom = (address: string) => resolved.json<ResolvedEnvelope>().filter((record) => record.account === address);

  it('a message delivered while IDLE is open reaches the resolved topic, long before the next poll', async () => {
    await readMailbox(dovecot.mailboxUrl('idle@acme.example'), 600);
    const sent = Date.now();
    await dovecot.append('idle@acme.example', await composed({ from: 'Ada Lovelace <ada@people.dev>', to: 'idle@acme.example',
      subject: 'Where is my order?', text: 'Order 1234 has not arrived.' }));
    const [record] = await waitFor(() => resolvedFrom('idle@acme.example').length === 1 && resolvedFrom('idle@acme.example'),
      { what: 'the email resolved' });
    expect(Date.now() - sent).to.be.below(10_000);
    expect(record!).to.deep.include({ channel: 'email', sender: { kind: 'email', id: 'ada@people.dev' } });
    expect(record!.message).to.include({ text: 'Order 1234 has not arrived.', subject: 'Where is my order?' });
    expect(record!.contact).to.include({ displayName: 'Ada Lovelace', isNew: true });
  });

  it('auto-replies and bounces create no contact, and the mail after them flows', async () => {
    const address = 'noise@acme.example';
    for (const file of ['chatwoot/auto_reply.eml', 'chatwoot/auto_reply_with_auto_submitted.eml', 'chatwoot/bounced_gmail.eml',
      'flufl-bounce/postfix_01.eml', 'flufl-bounce/qmail_01.eml', 'flufl-bounce/microsoft_01.eml']) {
      await dovecot.append(address, fixture(file));
    }
    await dovecot.append(address, await composed({ from: 'grace@people.dev', to: address, subject: 'Hi', text: 'A real question' }));
    await readMailbox(dovecot.mailboxUrl(address));
    await waitFor(() => resolvedFrom(address).length === 1, { what: 'the customer mail resolved' });
    await resolved.settle(1_000);
    expect(fromMailbox(address).map((envelope) => envelope.sender.id)).to.deep.equal(['grace@people.dev']);
  });

  it('one sender in upper and lower case is one contact', async () => {
    const address = 'case@acme.example';
    await readMailbox(dovecot.mailboxUrl(address));
    await dovecot.append(address, fixture('chatwoot/support.eml'));
    await dovecot.append(address, fixture('chatwoot/support_uppercase.eml').toString().replace(/Message-ID: <[^>]+>/i, 'Message-ID: <upper@chatwoot.com>'));
    const records = await waitFor(() => resolvedFrom(address).length === 2 && resolvedFrom(address), { what: 'both resolved' });
    expect(new Set(records.map((record) => record.contact.id)).size).to.equal(1);
  });

  it('a sender whose address another contact has in its profile gets a duplicate suggestion', async () => {
    const address = 'dupes@acme.example';
    await harness.post('/v1/messages', apiMessage('app-user-7', { sender: { id: 'app-user-7', name: 'Hedy', email: 'hedy@people.dev' } }));
    await waitFor(() => resolved.json<ResolvedEnvelope>().some((record) => record.sender.id === 'app-user-7'), { what: 'the API message' });
    await readMailbox(dovecot.mailboxUrl(address));
    await dovecot.append(address, await composed({ from: 'Hedy <HEDY@People.dev>', to: address, subject: 'Hello', text: 'It is me' }));
    const [record] = await waitFor(() => resolvedFrom(address).length === 1 && resolvedFrom(address), { what: 'the email resolved' });
    expect(record!.contact).to.include({ isNew: true, potentialDuplicates: 1 });
  });

  it('a UIDVALIDITY change reads the folder again without resolving anything twice', async () => {
    const address = 'rescan@acme.example';
    const mail = await Promise.all([1, 2].map((n) => composed({ from: `customer${n}@people.dev`, to: address, subject: `n${n}`,
      text: `message ${n}`, messageId: `<rescan-${n}@people.dev>` })));
    const client = await dovecot.client(address);
    await client.mailboxCreate('Support');
    for (const message of mail) await client.append('Support', message);
    const supervisor = await readMailbox(dovecot.mailboxUrl(address, { folder: 'Support' }));
    await waitFor(() => resolvedFrom(address).length === 2, { what: 'the first two' });
    await supervisor.stop();
    await client.mailboxDelete('Support');
    await client.mailboxCreate('Support');
    for (const message of [...mail, await composed({ from: 'customer3@people.dev', to: address, subject: 'n3', text: 'message 3' })]) {
      await client.append('Support', message);
    }
    await client.logout();
    await readMailbox(dovecot.mailboxUrl(address, { folder: 'Support' }));
    await waitFor(() => fromMailbox(address).length === 5, { what: 'all three read again' });
    await waitFor(() => resolvedFrom(address).length === 3, { what: 'the new one resolved' });
    await resolved.settle(1_000);
    expect(resolvedFrom(address).map((record) => record.message.text).sort()).to.deep.equal(['message 1', 'message 2', 'message 3']);
  });

  it('flags mail \\Seen only when the mailbox is configured to', async () => {
    for (const [address, query, seen] of [['unseen@acme.example', '', false], ['seen@acme.example', 'seen=true', true]] as const) {
      await dovecot.append(address, await composed({ from: 'x@people.dev', to: address, subject: 'flag', text: 'flag me?' }));
      await readMailbox(dovecot.mailboxUrl(address, { query }));
      await waitFor(() => resolvedFrom(address).length === 1, { what: `${address} resolved` });
      const client = await dovecot.client(address);
      await client.mailboxOpen('INBOX');
      const [message] = await waitFor(async () => {
        const fetched = [];
        for await (const item of client.fetch('1:*', { flags: true })) fetched.push(item);
        return fetched.length === 1 && (fetched[0]!.flags?.has('\\Seen') ?? false) === seen && fetched;
      }, { what: `the \\Seen flag to be ${seen}` });
      expect(message!.flags?.has('\\Seen') ?? false).to.equal(seen);
      await client.logout();
    }
  });

  it('skips a message it cannot read, logging its UID, and the mailbox keeps flowing', async () => {
    const address = 'broken@acme.example';
    const manyFrom = Array.from({ length: 60 }, (_, n) => `f${n}@people.dev`).join(', ');
    await dovecot.append(address, `From: ${manyFrom}\r\nSubject: broken\r\nMessage-ID: <broken@x>\r\n\r\nunreadable\r\n`);
    await dovecot.append(address, await composed({ from: 'after@people.dev', to: address, subject: 'after', text: 'still flowing' }));
    const supervisor = await readMailbox(dovecot.mailboxUrl(address));
    await waitFor(() => resolvedFrom(address).length === 1, { what: 'the readable one resolved' });
    expect(resolvedFrom(address)[0]!.message.text).to.equal('still flowing');
    expect(supervisor.statuses()[0]!.state).to.equal('live');
  });

  describe('the email process', () => {
    let child: ChildProcess | undefined;
    const port = () => freePort();
    const startProcess = (mailboxes: string, metricsPort: number) => {
      child = spawn(process.execPath, ['--import', 'tsx', 'streams/email.ts'], { stdio: 'ignore', env: { ...process.env,
        EMAIL_MAILBOXES: mailboxes, EMAIL_METRICS_PORT: String(metricsPort), DATABASE_URL: harness.testDb.url,
        KAFKA_BROKERS: brokers().join(','), KAFKA_TOPIC_PREFIX: harness.topics.inbound.replace('tributary.inbound.v1', ''), LOG_LEVEL: 'silent' } });
      return child;
    };
    afterEach(() => child?.kill('SIGKILL'));

    it('killed and restarted, publishes nothing twice and misses nothing delivered meanwhile', async () => {
      const address = 'restart@acme.example';
      const metricsPort = await port();
      const compose = (n: number) => composed({ from: `buyer${n}@people.dev`, to: address, subject: `#${n}`, text: `mail ${n}` });
      for (const n of [1, 2, 3]) await dovecot.append(address, await compose(n));
      const first = startProcess(dovecot.mailboxUrl(address), metricsPort);
      await waitFor(() => fromMailbox(address).length === 3, { what: 'the first three published', timeoutMs: 60_000 });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.status === 200,
        { what: 'the email process ready' });
      first.kill('SIGKILL');
      await new Promise((exited) => first.once('exit', exited));
      for (const n of [4, 5]) await dovecot.append(address, await compose(n));
      startProcess(dovecot.mailboxUrl(address), metricsPort);
      await waitFor(() => resolvedFrom(address).length === 5, { what: 'all five resolved', timeoutMs: 60_000 });
      await inbound.settle(1_500);
      // In UID order per sender; senders are keyed to different partitions, so compare without the order.
      const published = fromMailbox(address).map((envelope) => envelope.message.text).sort();
      expect(published).to.deep.equal(['mail 1', 'mail 2', 'mail 3', 'mail 4', 'mail 5']);
    });

    it('with a wrong password: needs_action naming the mailbox on /readyz, and no retry loop', async () => {
      const metricsPort = await port();
      startProcess(dovecot.mailboxUrl('locked@acme.example', { password: 'not-the-password' }), metricsPort);
      const ready = await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
        const body = response && await response.json() as { connectors: { state: string; action?: string }[] };
        return body?.connectors?.[0]?.state === 'needs_action' && { status: response!.status, body };
      }, { what: 'needs_action on /readyz', timeoutMs: 60_000 });
      expect(ready.status).to.equal(503);
      expect(ready.body.connectors[0]!.action).to.match(/refused the login of locked@acme\.example/);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).to.include('tributary_connector_state{connector="email",account="locked@acme.example",state="needs_action"} 1');
      await new Promise((settle) => setTimeout(settle, 3_000));
      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
        .not.to.match(/tributary_connector_restarts_total\{connector="email",account="locked@acme.example"\} [1-9]/);
    });
  });

  it('reads a mailbox of 500 messages on first start, and reports the rate', async () => {
    const address = 'backlog@acme.example';
    const client = await dovecot.client(address);
    for (let n = 0; n < 500; n++) {
      await client.append('INBOX', await composed({ from: `bulk${n % 50}@people.dev`, to: address, subject: `Bulk ${n}`, text: `body ${n}` }));
    }
    await client.logout();
    const started = Date.now();
    await readMailbox(dovecot.mailboxUrl(address));
    await waitFor(() => fromMailbox(address).length === 500, { what: 'all 500 published', timeoutMs: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(artifactPath('email-backlog.json'), `${JSON.stringify({ messages: 500, seconds, perSecond: Math.round(500 / seconds) })}\n`);
    expect(new Set(fromMailbox(address).map((envelope) => envelope.id)).size).to.equal(500);
  });
});
