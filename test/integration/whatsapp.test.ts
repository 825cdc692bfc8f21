import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferJSON, DisconnectReason, proto } from '@whiskeysockets/baileys';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { Envelope, ResolvedEnvelope } from '../../connectors/envelope.js';
import { NeedsActionError } from '../../connectors/errors.js';
import { createPublisher } from '../../connectors/publisher.js';
import type { Publish } from '../../connectors/types.js';
import { AUTH_PREFIX, loadAuthState } from '../../connectors/whatsapp/auth-state.js';
import { createWhatsAppConnector } from '../../connectors/whatsapp/connector.js';
import { connectorStateStore } from '../../db/repositories/connector-state.js';
import { query } from '../../db/sql.js';
import { createSupervisor, type Supervisor } from '../../runtime/supervisor.js';
import { recordStatuses } from '../../streams/status.js';
import { baileysCases } from '../helpers/baileys-events.js';
import { whatsAppCloudBodies } from '../helpers/fixtures.js';
import { logger, startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';
import { metaRequest, send } from '../helpers/webhooks.js';
import { StandInWhatsApp } from '../helpers/whatsapp-socket.js';

const ACCOUNTS = ['sales', 'resume', 'logout', 'pairing', 'flaky', 'locked', 'lostlock', 'outage'];
const key = () => randomBytes(32);

describe('WhatsApp Web over Baileys (a stand-in for WhatsApp\'s servers; real Kafka and PostgreSQL)', function () {
  this.timeout(120_000);
  let harness: Harness;
  let resolved: TopicReader;
  const running: Supervisor[] = [];
  const stateKey = key();

  before(async () => {
    harness = await startHarness({ env: { WHATSAPP_ACCOUNTS: ACCOUNTS.join(',') } });
    resolved = await harness.read('resolved');
  });
  after(async () => {
    await Promise.all(running.map((supervisor) => supervisor.stop()));
    await harness.close();
  });

  const store = (account: string) => connectorStateStore(harness.testDb.db, 'whatsapp', account);
  const resolvedFor = (account: string) => resolved.json<ResolvedEnvelope>().filter((record) => record.account === account);

  async function publisher(): Promise<Publish> {
    const producer = harness.kafka.producer();
    await producer.connect();
    const published = createPublisher({ producer, topic: harness.topics.inbound, timeoutMs: 10_000, logger });
    return (envelopes) => published.publish(envelopes);
  }

  /** Runs one account in this process as the `whatsapp` process runs it, against a stand-in for WhatsApp. */
  async function run(account: string, options: { whatsapp?: StandInWhatsApp; publish?: Publish; registry?: Registry; groups?: boolean } = {}) {
    const whatsapp = options.whatsapp ?? new StandInWhatsApp();
    const registry = options.registry ?? new Registry();
    // As the whatsapp process: states recorded for the admin API.
    const statuses = recordStatuses(harness.testDb.db, logger);
    const supervisor = createSupervisor({ logger, registry, publish: options.publish ?? await publisher(), backoff: { initialMs: 50, maxMs: 200 },
      onStatus: statuses.onStatus,
      connectors: [createWhatsAppConnector({ account: { name: account, groups: options.groups ?? false }, store: store(account),
        stateKeys: [stateKey], logger, clock: () => new Date(), makeSocket: whatsapp.makeSocket, pollMs: 50 })] });
    supervisor.start();
    running.push(supervisor);
    const state = () => supervisor.statuses()[0]!;
    return { whatsapp, supervisor, registry, state };
  }

  it('pairs with a QR code, then envelopes reach the resolved topic; a LID-only sender and later its phone are one contact', async () => {
    const { whatsapp, state } = await run('sales');
    const socket = await whatsapp.socket(1);
    socket.qr('2@first-qr,abc,def,ghi');
    await waitFor(() => state().state === 'needs_action', { what: 'the pairing to be shown as pending' });
    expect(state()).to.have.property('action').that.match(/api\/channels\/whatsapp\/sales\/qr/);
    expect(await store('sales').get('pairing')).to.deep.include({ qr: '2@first-qr,abc,def,ghi' });
    const png = await fetch(`${harness.baseUrl}/api/channels/whatsapp/sales/qr`, { headers: { authorization: `Bearer ${harness.ownerKey}` } });
    expect(png.status).to.equal(200);
    expect(png.headers.get('content-type')).to.equal('image/png');
    expect(png.headers.get('cache-control')).to.equal('no-store');
    expect(Buffer.from(await png.arrayBuffer()).subarray(0, 8).toString('hex')).to.equal('89504e470d0a1a0a');

    socket.open();
    await waitFor(() => state().state === 'live', { what: 'live' });
    await waitFor(async () => (await store('sales').get('pairing')) === undefined, { what: 'the pairing to be cleared' });
    expect((await harness.call('GET', '/api/channels/whatsapp/sales/qr')).status).to.equal(409);

    const cases = baileysCases();
    socket.messages(cases.lid_only!);
    await waitFor(() => resolvedFor('sales').length === 1, { what: 'the LID-only message resolved' });
    socket.messages(cases.lid_with_phone!);
    for (const name of ['text', 'reaction', 'from_me', 'status_broadcast', 'group_participant', 'image_caption']) socket.messages(cases[name]!);
    const records = await waitFor(() => resolvedFor('sales').length === 4 && resolvedFor('sales'), { what: 'four messages resolved' });
    await resolved.settle(1_000);
    expect(resolvedFor('sales')).to.have.length(4);
    const [lidOnly, withPhone, text, image] = records;
    expect(lidOnly!.sender).to.deep.equal({ kind: 'whatsapp_lid', id: '987654321098765' });
    expect(withPhone!.sender).to.deep.include({ kind: 'whatsapp', id: '+4917698765432' });
    expect(withPhone!.contact.id, 'the LID and its phone are one contact').to.equal(lidOnly!.contact.id);
    expect(withPhone!.contact.isNew).to.equal(false);
    const contact = await harness.call('GET', `/api/contacts/${lidOnly!.contact.id}`);
    expect(contact.body.identities.map((identity: { kind: string; value: string }) => `${identity.kind}:${identity.value}`).sort())
      .to.deep.equal(['whatsapp:+4917698765432', 'whatsapp_lid:987654321098765']);
    expect(text!.sender).to.deep.equal({ kind: 'whatsapp', id: '+4915112345678' });
    expect(image!.message.attachments).to.deep.equal([{ type: 'image', contentType: 'image/jpeg', size: 48_213 }]);

    const listed = await harness.call('GET', '/api/channels/whatsapp/sales');
    expect(listed.status).to.equal(200);
    expect(listed.body.device).to.deep.include({ phone: '+4915100000001', name: 'Acme Sales' });
  });

  it('the same phone over Baileys and over the Cloud API webhook is one contact', async () => {
    const [linked] = resolvedFor('sales').filter((record) => record.sender.id === '+4915112345678');
    // pywa's recorded Cloud API text message, from the same number.
    const body = JSON.parse(JSON.stringify(whatsAppCloudBodies()['message/text']).replaceAll('972987654321', '4915112345678'));
    expect((await send(harness.baseUrl, '/webhooks/meta', metaRequest(body))).status).to.equal(200);
    const [cloud] = await waitFor(() => resolvedFor('1122334455667').length === 1 && resolvedFor('1122334455667'), { what: 'the Cloud API message' });
    expect(cloud!.sender).to.deep.include({ kind: 'whatsapp', id: '+4915112345678' });
    expect(cloud!.contact.id).to.equal(linked!.contact.id);
  });

  it('keeps its pairing in PostgreSQL: a restarted connector resumes without a QR code', async () => {
    const first = await run('resume');
    (await first.whatsapp.socket(1)).qr();
    (await first.whatsapp.socket(1)).open();
    await waitFor(() => first.state().state === 'live', { what: 'live' });
    await waitFor(async () => (await loadAuthState(store('resume'), { account: 'resume', keys: [stateKey] })).state.creds.registered,
      { what: 'the registered creds to be stored' });
    await first.supervisor.stop();

    const again = await run('resume');
    const socket = await again.whatsapp.socket(1);
    const creds = socket.config.auth!.creds;
    expect(creds.registered).to.equal(true);
    expect(creds.me).to.deep.include({ id: '4915100000001:3@s.whatsapp.net' });
    expect(Buffer.from(creds.noiseKey.private).equals(Buffer.from(first.whatsapp.sockets[0]!.config.auth!.creds.noiseKey.private))).to.equal(true);
  });

  it('a logout asks for a new pairing instead of reconnecting, until one is requested; then pairs by code', async () => {
    const registry = new Registry();
    const { whatsapp, state } = await run('logout', { registry });
    const socket = await whatsapp.socket(1);
    socket.open();
    await waitFor(() => state().state === 'live', { what: 'live' });
    socket.close(DisconnectReason.loggedOut, 'Stream Errored (conflict)');
    await waitFor(() => state().state === 'needs_action', { what: 'needs_action' });
    expect(state()).to.have.property('action').that.match(/needs pairing again/);
    expect((await store('logout').list(AUTH_PREFIX)).size, 'the unlinked device\'s keys are gone').to.equal(0);
    const metrics = await registry.getSingleMetricAsString('tributary_connector_state');
    expect(metrics).to.include('tributary_connector_state{connector="whatsapp",account="logout",state="needs_action"} 1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(whatsapp.sockets, 'no reconnecting in a loop').to.have.length(1);

    const refused = await harness.call('POST', '/api/channels/whatsapp/logout/pairing', { body: { phone: '4915100000001' } });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.message).to.match(/E\.164/);
    const requested = await harness.call('POST', '/api/channels/whatsapp/logout/pairing', { body: { phone: '+4915100000001' } });
    expect(requested.status).to.equal(202);
    const second = await whatsapp.socket(2);
    expect(second.config.auth!.creds.registered, 'a fresh device').to.not.equal(true);
    second.qr();
    await waitFor(() => second.pairingCodesAsked.length === 1, { what: 'a pairing code asked for' });
    expect(second.pairingCodesAsked).to.deep.equal(['4915100000001']);
    const shown = await waitFor(async () => {
      const account = await harness.call('GET', '/api/channels/whatsapp/logout');
      return account.body.pairing?.code && account.body;
    }, { what: 'the code shown by the admin API' });
    expect(shown.pairing).to.deep.include({ code: 'TRIB7K2Q', phone: '+4915100000001', qr: '/api/channels/whatsapp/logout/qr' });
    const audit = await harness.call('GET', '/api/audit');
    expect(audit.body.entries.find((entry: { action: string }) => entry.action === 'whatsapp.pairing-request'))
      .to.deep.include({ targetType: 'channel', targetId: 'whatsapp/logout' });
    second.open();
    await waitFor(() => state().state === 'live', { what: 'live again' });
  });

  it('the admin API refuses a pairing for a linked account, an unknown account, and a clerk', async () => {
    expect((await harness.call('POST', '/api/channels/whatsapp/sales/pairing', { body: {} })).status).to.equal(409);
    const unknown = await harness.call('GET', '/api/channels/whatsapp/nobody');
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.message).to.match(/WHATSAPP_ACCOUNTS/);
    const clerk = await harness.call('POST', '/api/keys', { body: { name: 'clerk', role: 'agent' } });
    expect((await harness.call('GET', '/api/channels/whatsapp', { key: clerk.body.key })).status).to.equal(403);
    const listed = await harness.call('GET', '/api/channels');
    expect(listed.body.channels.find((channel: { account: string }) => channel.account === 'sales'))
      .to.deep.include({ connector: 'whatsapp', state: 'live', stale: false });
    const accounts = await harness.call('GET', '/api/channels/whatsapp');
    expect(accounts.body.accounts.map((account: { account: string }) => account.account)).to.deep.equal(ACCOUNTS);
  });

  it('a pairing nobody completes ends, and waits for a request instead of showing QR codes forever', async () => {
    const { whatsapp, state } = await run('pairing');
    const socket = await whatsapp.socket(1);
    socket.qr();
    socket.close(DisconnectReason.timedOut, 'QR refs attempts ended');
    await waitFor(async () => state().state === 'needs_action' && (await store('pairing').get('needs-pairing')), { what: 'pairing expired' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(whatsapp.sockets).to.have.length(1);
    await harness.call('POST', '/api/channels/whatsapp/pairing/pairing', { body: {} });
    await whatsapp.socket(2);
  });

  it('reconnects at once when WhatsApp asks for a restart, and with backoff after other closes', async () => {
    const { whatsapp, state, registry } = await run('flaky');
    const restarts = async () => (await registry.getSingleMetric('tributary_connector_restarts_total')!.get()).values[0]?.value ?? 0;
    const first = await whatsapp.socket(1);
    first.open();
    await waitFor(() => state().state === 'live', { what: 'live' });
    first.close(DisconnectReason.restartRequired, 'Stream Errored (restart required)');
    const second = await whatsapp.socket(2);
    expect(await restarts(), 'a restart WhatsApp asked for is no failure').to.equal(0);
    second.close(DisconnectReason.connectionLost, 'Connection Lost');
    const third = await whatsapp.socket(3);
    expect(await restarts()).to.equal(1);
    third.open();
    await waitFor(() => state().state === 'live', { what: 'live again' });
    third.messages(baileysCases().hosted_device!);
    await waitFor(() => resolvedFor('flaky').length === 1, { what: 'a message after reconnecting' });
  });

  it('two processes never run one account: the second waits, says who holds it, and takes over when the first stops', async () => {
    const first = await run('locked');
    await first.whatsapp.socket(1);
    const second = await run('locked');
    await waitFor(() => second.state().state === 'waiting', { what: 'the second to wait' });
    expect(second.state()).to.have.property('reason').that.match(/another process runs WhatsApp account locked: tributary whatsapp locked on .* pid \d+/);
    expect(second.whatsapp.sockets).to.have.length(0);
    await first.supervisor.stop();
    await second.whatsapp.socket(1);
  });

  it('a lost lock (its database session killed) closes the socket at once, and the account is taken up again with the lock', async () => {
    const { whatsapp, state } = await run('lostlock');
    const first = await whatsapp.socket(1);
    first.open();
    await waitFor(() => state().state === 'live', { what: 'live' });
    const [killed] = await query<{ killed: boolean }>(harness.testDb.db,
      "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name LIKE 'tributary whatsapp lostlock %'", []);
    expect(killed?.killed).to.equal(true);
    await waitFor(() => first.closed, { what: 'the socket closed' });
    const second = await whatsapp.socket(2);
    second.open();
    await waitFor(() => state().state === 'live', { what: 'live again' });
  });

  it('a Kafka outage loses nothing: what cannot be published is kept in PostgreSQL and published by the next run', async () => {
    let failing = true;
    const real = await publisher();
    const publish: Publish = async (envelopes) => {
      if (failing) throw new Error('KafkaJSConnectionError: connect ECONNREFUSED 127.0.0.1:9092');
      await real(envelopes);
    };
    const first = await run('outage', { publish });
    const socket = await first.whatsapp.socket(1);
    socket.open();
    await waitFor(() => first.state().state === 'live', { what: 'live' });
    socket.messages(baileysCases().contact_card!);
    await waitFor(async () => (await store('outage').list('outbox:')).size === 1, { what: 'the message kept in the outbox' });
    await first.supervisor.stop();
    expect((await store('outage').list('outbox:')).size).to.equal(1);

    failing = false;
    const again = await run('outage', { publish });
    (await again.whatsapp.socket(1)).open();
    const [record] = await waitFor(() => resolvedFor('outage').length === 1 && resolvedFor('outage'), { what: 'the kept message resolved' });
    expect(record!.message.text).to.equal('Contact: Jane Roe +4917612345678');
    expect((await store('outage').list('outbox:')).size).to.equal(0);
  });

  describe('the auth state in PostgreSQL', () => {
    it('round-trips creds and every kind of key, sealed: the database holds no key material in the clear', async () => {
      const account = `auth-${randomBytes(3).toString('hex')}`;
      const auth = await loadAuthState(store(account), { account, keys: [stateKey] });
      const preKey = { public: new Uint8Array(32).fill(9), private: new Uint8Array(32).fill(8) };
      const syncKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: new Uint8Array(32).fill(5), timestamp: 1_764_500_000 });
      await auth.state.keys.set({ 'pre-key': { 1: preKey }, session: { 'a.0': new Uint8Array([1, 2, 3]) }, 'app-state-sync-key': { AAAA: syncKey },
        'lid-mapping': { '4915112345678': '123456789012345' } });
      auth.state.creds.me = { id: '4915100000001:3@s.whatsapp.net', name: 'Acme' };
      await auth.saveCreds();

      const loaded = await loadAuthState(store(account), { account, keys: [stateKey] });
      expect(JSON.stringify(loaded.state.creds, BufferJSON.replacer)).to.equal(JSON.stringify(auth.state.creds, BufferJSON.replacer));
      expect(Buffer.from(loaded.state.creds.noiseKey.private).equals(Buffer.from(auth.state.creds.noiseKey.private))).to.equal(true);
      expect(loaded.state.creds.me).to.deep.equal({ id: '4915100000001:3@s.whatsapp.net', name: 'Acme' });
      const keys = await loaded.state.keys.get('pre-key', ['1', '2']);
      expect(Object.keys(keys)).to.deep.equal(['1']);
      expect(Buffer.from(keys['1']!.private).equals(Buffer.from(preKey.private))).to.equal(true);
      expect(Buffer.from((await loaded.state.keys.get('session', ['a.0']))['a.0']!)).to.deep.equal(Buffer.from([1, 2, 3]));
      const sync = (await loaded.state.keys.get('app-state-sync-key', ['AAAA'])).AAAA!;
      expect(sync).to.be.instanceOf(proto.Message.AppStateSyncKeyData);
      expect(Buffer.from(sync.keyData!).equals(Buffer.from(syncKey.keyData!))).to.equal(true);
      expect((await loaded.state.keys.get('lid-mapping', ['4915112345678']))['4915112345678']).to.equal('123456789012345');

      const rows = await query<{ value: string }>(harness.testDb.db, 'SELECT value::text FROM connector_state WHERE account = ?', [account]);
      const noise = Buffer.from(auth.state.creds.noiseKey.private).toString('base64');
      expect(rows.some((row) => row.value.includes(noise) || row.value.includes('Acme'))).to.equal(false);

      await loaded.state.keys.set({ 'pre-key': { 1: null } });
      expect(await loaded.state.keys.get('pre-key', ['1'])).to.deep.equal({});
    });

    it('keeps concurrent writes whole and in order', async () => {
      const account = `race-${randomBytes(3).toString('hex')}`;
      const auth = await loadAuthState(store(account), { account, keys: [stateKey] });
      await Promise.all(Array.from({ length: 40 }, (_, n) => auth.state.keys.set({
        session: Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [id, new Uint8Array([n])])), 'sender-key': { [`s${n}`]: new Uint8Array([n]) },
      })));
      const loaded = await loadAuthState(store(account), { account, keys: [stateKey] });
      const sessions = await loaded.state.keys.get('session', ['a', 'b', 'c', 'd']);
      expect(Object.values(sessions).map((value) => [...value])).to.deep.equal([[39], [39], [39], [39]]);
      expect(Object.keys(await loaded.state.keys.get('sender-key', Array.from({ length: 40 }, (_, n) => `s${n}`)))).to.have.length(40);
    });

    it('opens with a rotated key list and re-seals with the new key; refuses a missing key, and a row copied to another account', async () => {
      const account = `rotate-${randomBytes(3).toString('hex')}`;
      const old = key();
      const auth = await loadAuthState(store(account), { account, keys: [old] });
      await auth.saveCreds();
      const keyIds = async () => (await query<{ key_id: string }>(harness.testDb.db,
        "SELECT value->>'key' AS key_id FROM connector_state WHERE account = ?", [account])).map((row) => row.key_id);
      const before = await keyIds();
      const fresh = key();
      const rotated = await loadAuthState(store(account), { account, keys: [fresh, old] });
      expect(Buffer.from(rotated.state.creds.noiseKey.private).equals(Buffer.from(auth.state.creds.noiseKey.private))).to.equal(true);
      const after = await keyIds();
      expect(after).to.have.length(1);
      expect(after[0]).to.not.equal(before[0]);
      await loadAuthState(store(account), { account, keys: [fresh] });

      let refused: unknown;
      await loadAuthState(store(account), { account, keys: [old] }).catch((error: unknown) => { refused = error; });
      expect(refused).to.be.instanceOf(NeedsActionError);
      expect((refused as Error).message).to.match(/WHATSAPP_STATE_KEY/);

      const copy = `copy-${randomBytes(3).toString('hex')}`;
      await query(harness.testDb.db, `INSERT INTO connector_state (connector, account, key, value, updated_at)
        SELECT connector, ?, key, value, now() FROM connector_state WHERE account = ?`, [copy, account]);
      refused = undefined;
      await loadAuthState(store(copy), { account: copy, keys: [fresh] }).catch((error: unknown) => { refused = error; });
      expect((refused as Error).message).to.match(/does not decrypt/);
    });

    it('without WHATSAPP_STATE_KEY stores it readable, and seals it once a key is set', async () => {
      const account = `plain-${randomBytes(3).toString('hex')}`;
      const plain = await loadAuthState(store(account), { account, keys: [] });
      await plain.saveCreds();
      const stored = await store(account).get(`${AUTH_PREFIX}creds`) as { plain?: string };
      expect(JSON.parse(Buffer.from(stored.plain!, 'base64').toString()).registrationId).to.equal(plain.state.creds.registrationId);
      await loadAuthState(store(account), { account, keys: [stateKey] });
      expect(await store(account).get(`${AUTH_PREFIX}creds`)).to.have.property('key');
    });
  });

  describe('npm run replay -- whatsapp', () => {
    const replay = (args: string[], env: NodeJS.ProcessEnv = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', ...args], {
        env: { ...process.env, KAFKA_TOPIC_PREFIX: harness.topics.inbound.replace('tributary.inbound.v1', ''), WHATSAPP_ACCOUNTS: 'replayed',
          LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });

    it('publishes a recording through the same normaliser, says what it skipped and why, and resolves each message once when run twice', async () => {
      const file = 'test/fixtures/whatsapp-web/upserts.jsonl';
      const first = await replay(['whatsapp', file]);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.include('published 13 envelope(s)');
      expect(first.stdout).to.include('skipped 9 event(s): delete 1, echo 1, edit 1, group 1, not_a_message 3, reaction 2');
      const again = await replay(['whatsapp', file, '--account', 'replayed']);
      expect(again.code, again.stderr).to.equal(0);
      await waitFor(() => resolvedFor('replayed').length === 13, { what: 'the replayed messages resolved' });
      await resolved.settle(1_500);
      expect(resolvedFor('replayed')).to.have.length(13);
      const lid = resolvedFor('replayed').filter((record) => record.message.text?.startsWith('Hi, I found') || record.message.text?.startsWith('Here is my number'));
      expect(new Set(lid.map((record) => record.contact.id)).size).to.equal(1);
    });

    it('says what is wrong with a bad line, an unknown account or a missing file', async () => {
      const file = join(tmpdir(), `replay-${randomBytes(4).toString('hex')}.jsonl`);
      const good = readFileSync('test/fixtures/whatsapp-web/upserts.jsonl', 'utf8').split('\n')[0]!.replaceAll('3EB00000000000000001', '3EB0REPLAYBAD0000001');
      writeFileSync(file, `{"messages": "nope", "type": "notify"}\nnot json\n\n${good}\n`);
      const broken = await replay(['whatsapp', file]);
      unlinkSync(file);
      expect(broken.code, broken.stderr).to.equal(0);
      expect(broken.stderr).to.match(/line 1: messages: .*\nline 2: .*JSON/);
      expect(broken.stdout).to.include('published 1 envelope(s)');
      expect(broken.stdout).to.include('skipped 2 event(s): unreadable 2');
      const unknown = await replay(['whatsapp', 'test/fixtures/whatsapp-web/upserts.jsonl', '--account', 'nobody']);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.include('--account nobody: not in WHATSAPP_ACCOUNTS (replayed)');
      const usage = await replay(['telegram', 'x']);
      expect(usage.code).to.equal(2);
      expect(usage.stderr).to.include('usage: npm run replay -- whatsapp <file.jsonl> [--account NAME]');
      const missing = await replay(['whatsapp', 'no-such-file.jsonl']);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.include('no-such-file.jsonl');
    });
  });

  it('envelopes on the inbound topic carry the account name and the sender identities the resolver keys on', async () => {
    const inbound = await harness.read('inbound');
    const envelopes = await waitFor(() => inbound.json<Envelope>().filter((envelope) => envelope.account === 'sales').length >= 4
      && inbound.json<Envelope>().filter((envelope) => envelope.account === 'sales'), { what: 'inbound envelopes' });
    expect(envelopes.every((envelope) => envelope.channel === 'whatsapp')).to.equal(true);
  });
});
