import { expect } from 'chai';
import fc from 'fast-check';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import * as fixtures from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostileJson, hostileString, hostileText, mostly, mutated } from '../helpers/hostile.js';
import type { TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';
import { Visitor } from '../helpers/webchat.js';
import { envelopeIdsOf, metaRequest, telegramRequest, twilioRequest, type SignedRequest } from '../helpers/webhooks.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
/** Every request must be answered within this: a hang is a failure like a 500. */
const ANSWER_WITHIN_MS = 15_000;

/**
 * Property-based fuzzing of every route with hostile input (fast-check): each property sends RUNS generated
 * requests and holds when none is answered 5xx or hangs. Every message a route accepted (2xx) must then be on
 * the resolved topic exactly once.
 */
describe('fuzzing every route with hostile input', function () {
  this.timeout(600_000);
  let harness: Harness;
  let resolved: TopicReader;
  const accepted = new Set<string>();

  before(async () => {
    harness = await startHarness({ env: { WHATSAPP_ACCOUNTS: 'sales,support' } });
    resolved = await harness.read('resolved');
  });
  after(() => harness.close());

  async function answer(path: string, init: RequestInit): Promise<{ status: number; text: string }> {
    const response = await fetch(`${harness.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    const text = await response.text();
    if (response.status >= 500) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, text };
  }

  const owner = () => ({ authorization: `Bearer ${harness.ownerKey}` });
  const json = (body: unknown) => ({ method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) ?? 'null',
    headers: { ...owner(), 'content-type': 'application/json' } });

  /** Sends a signed webhook request; on 2xx, remembers the envelope ids the connector made of it. */
  async function webhook(path: string, request: SignedRequest): Promise<void> {
    const { status } = await answer(path, { method: 'POST', body: request.body, headers: request.headers });
    if (status >= 200 && status < 300) for (const id of envelopeIdsOf(harness, path, request)) accepted.add(id);
  }

  const property = <T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: RUNS, endOnFailure: true });

  it('POST /v1/messages (the API channel)', async () => {
    const message = fc.tuple(fc.nat(), mutated({ account: 'acme', text: 'hello', sentAt: '2026-11-30T10:00:00Z' }),
      mutated({ id: 'user', name: 'Ada', email: 'ada@example.org', phone: '+14155552671', language: 'en' }))
      .map(([n, fields, sender]) => ({ id: `fuzz-${n}`, ...fields, sender }));
    const body = fc.oneof({ weight: 6, arbitrary: message }, { weight: 1, arbitrary: fc.record({ messages: fc.array(message, { maxLength: 5 }) }) },
      { weight: 1, arbitrary: hostileJson }, { weight: 1, arbitrary: hostileString });
    await property(body, async (value) => {
      const { status, text } = await answer('/v1/messages', json(value));
      if (status === 202) for (const id of (JSON.parse(text) as { ids: string[] }).ids) accepted.add(id);
    });
  });

  it('POST /webhooks/twilio, signed', async () => {
    const base = { MessageSid: 'SM00000000000000000000000000000000', AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: '+447700900123', To: '+447700900999', Body: 'hi', NumMedia: '0', SmsStatus: 'received', ProfileName: 'Ada' };
    const form = fc.tuple(mutated(base), fc.integer({ min: 0, max: 1e9 })).map(([fields, n]) =>
      Object.fromEntries(Object.entries({ ...fields, MessageSid: fields.MessageSid === base.MessageSid ? `SM${String(n).padStart(32, '0')}` : fields.MessageSid })
        .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value) ?? ''])));
    await property(form, (fields) => webhook('/webhooks/twilio', twilioRequest(fields)));
  });

  it('POST /webhooks/meta, signed', async () => {
    const samples = Object.values(fixtures.messagingBodies('page')).concat(Object.values(fixtures.whatsAppCloudBodies()));
    const body = fc.tuple(fc.constantFrom(...samples), fc.integer({ min: 0, max: 1e9 }), fc.boolean(), hostileJson, hostileText).map(
      ([sample, n, replaceText, anything, text]) => {
        const copy = structuredClone(sample) as any;
        const messaging = copy.entry?.[0]?.messaging?.[0];
        if (messaging?.message) messaging.message.mid = `mid.fuzz-${n}`;
        const wa = copy.entry?.[0]?.changes?.[0]?.value?.messages?.[0];
        if (wa) wa.id = `wamid.fuzz-${n}`;
        if (replaceText && messaging?.message) messaging.message.text = text;
        if (replaceText && wa?.text) wa.text.body = text;
        if (!replaceText && messaging) messaging.sender = anything;
        return copy;
      });
    await property(fc.oneof({ weight: 5, arbitrary: body }, { weight: 1, arbitrary: hostileJson }), (payload) => webhook('/webhooks/meta', metaRequest(payload)));
  });

  it('POST /webhooks/telegram, signed', async () => {
    const updates = Object.values(fixtures.telegramUpdates()) as any[];
    const update = fc.tuple(fc.constantFrom(...updates), fc.integer({ min: 1, max: 2 ** 31 }), hostileText, hostileJson, fc.nat(3)).map(
      ([sample, n, text, anything, which]) => {
        const copy = structuredClone(sample);
        const message = copy.message ?? copy.channel_post;
        if (message) {
          message.message_id = n;
          if (which === 0) message.text = text;
          if (which === 1 && message.from) message.from.first_name = text;
          if (which === 2 && message.from) message.from.id = anything;
          if (which === 3) message.chat = anything;
        }
        return copy;
      });
    await property(fc.oneof({ weight: 5, arbitrary: update }, { weight: 1, arbitrary: hostileJson }), (payload) =>
      webhook('/webhooks/telegram', telegramRequest(payload)));
  });

  it('POST /webchat/session and /webchat/messages (our own widget)', async () => {
    const visitors = await Promise.all([0, 1, 2].map(async (n) => {
      const visitor = new Visitor(harness.baseUrl);
      await visitor.session({ prechat: { name: `Fuzz ${n}` } });
      return visitor;
    }));
    const session = mutated({ site: 'default', prechat: { name: 'Ada', email: 'ada@example.org', phone: '+14155552671' },
      timezone: 'Europe/Berlin', language: 'de-DE' });
    const message = fc.tuple(fc.nat(), mutated({ site: 'default', text: 'hello' })).map(([n, body]) => ({ clientMessageId: `fz-${n}`, ...body }));
    const origin = fc.option(fc.constantFrom('https://evil.example', 'null', harness.baseUrl, 'http://127.0.0.1', 'javascript:'), { nil: undefined });
    await property(fc.tuple(fc.constantFrom(...visitors), session, message, fc.boolean(), origin), async ([visitor, sessionBody, messageBody, forge, from]) => {
      const headers = { 'content-type': 'application/json', cookie: forge ? `${visitor.cookie}x` : visitor.cookie,
        ...(from === undefined ? {} : { origin: from }) };
      await answer('/webchat/session?site=default', { method: 'POST', body: JSON.stringify(sessionBody), headers });
      const { status, text } = await answer('/webchat/messages?site=default', { method: 'POST', body: JSON.stringify(messageBody), headers });
      if (status === 202) accepted.add((JSON.parse(text) as { id: string }).id);
    });
  });

  it('POST and GET /api/contacts, PATCH /api/contacts/:id', async () => {
    await harness.call('POST', '/api/fields', { body: { key: 'plan', label: 'Plan', type: 'text' } });
    const fields = mutated({ name: 'Ada Lovelace', firstName: 'Ada', email: 'ada@example.org', phone: '+14155552671', country: 'GB',
      language: 'en', tags: ['vip'], customFields: { plan: 'pro' }, lifecycleStage: 'lead', emailSubscription: 'subscribed' });
    const query = mutated({ q: 'ada', sort: '-created', tag: 'vip', blocked: 'false', limit: '10' });
    const { body: someone } = await harness.call('POST', '/api/contacts', { body: { name: 'Fuzz Target', email: 'target@example.org' } });
    await property(fc.tuple(fields, query, fields), async ([created, params, patch]) => {
      await answer('/api/contacts', json(created));
      const search = new URLSearchParams(Object.entries(params).map(([key, value]): [string, string] =>
        [key, typeof value === 'string' ? value : JSON.stringify(value) ?? '']));
      await answer(`/api/contacts?${search}`, { headers: owner() });
      await answer(`/api/contacts/${someone.id}`, { ...json(patch), method: 'PATCH' });
    });
  });

  it('POST /api/contacts/search', async () => {
    const condition = fc.oneof(
      mutated({ field: 'name', op: 'contains', value: 'ad' }), mutated({ field: 'tag', op: 'has', value: 'vip' }),
      mutated({ field: 'created', op: 'before', value: '2026-11-30' }), mutated({ field: 'lastInteraction', op: 'within the last', value: 7 }),
      mutated({ field: 'custom.plan', op: 'is', value: 'pro' }), mutated({ field: 'channel', op: 'has', value: 'sms' }));
    const search = fc.tuple(fc.array(condition, { minLength: 1, maxLength: 3 }), mutated({ match: 'all', q: 'ada', sort: 'name', limit: 5 }))
      .map(([conditions, rest]) => ({ conditions, ...rest }));
    await property(fc.oneof({ weight: 5, arbitrary: search }, { weight: 1, arbitrary: hostileJson }),
      async (body) => void await answer('/api/contacts/search', json(body)));
  });

  it('POST /api/merges and /api/merges/preview', async () => {
    const ids = await Promise.all(['A', 'B', 'C'].map(async (name) =>
      (await harness.call('POST', '/api/contacts', { body: { name: `Merge ${name}` } })).body.id as string));
    const id = fc.oneof(fc.constantFrom(...ids), fc.uuid(), hostileString);
    const merge = fc.record({ primaryId: id, secondaryIds: fc.array(id, { maxLength: 30 }), fields: fc.dictionary(hostileString, id, { maxKeys: 3 }) },
      { requiredKeys: ['primaryId', 'secondaryIds'] });
    await property(fc.tuple(mostly(merge), fc.boolean()), async ([body, preview]) =>
      void await answer(preview ? '/api/merges/preview' : '/api/merges', json(body)));
  });

  it('POST /api/contacts/tags, GET /api/contacts/export.csv and /api/audit (the console\'s selections and filters)', async () => {
    const { body: someone } = await harness.call('POST', '/api/contacts', { body: { name: 'Bulk Target' } });
    const filter = mutated({ conditions: [{ field: 'name', op: 'contains', value: 'Bulk' }], match: 'all' });
    const selection = fc.oneof(mutated({ ids: [someone.id] }), fc.record({ filter, q: hostileString }, { requiredKeys: ['filter'] }),
      mutated({ all: true }), hostileJson);
    const tags = fc.record({ contactIds: fc.array(fc.oneof(fc.constant(someone.id as string), fc.uuid(), hostileString), { maxLength: 3 }),
      selection, add: fc.array(hostileString, { maxLength: 2 }), remove: fc.array(hostileString, { maxLength: 2 }) }, { requiredKeys: [] });
    const query = fc.record({ ids: fc.oneof(fc.constant(someone.id as string), hostileString), filter: filter.map((f) => JSON.stringify(f)),
      q: hostileString, actor: fc.oneof(fc.uuid(), hostileString), action: hostileString, contact: fc.oneof(fc.uuid(), hostileString),
      before: hostileString }, { requiredKeys: [] });
    await property(fc.tuple(mostly(tags), query), async ([body, params]) => {
      await answer('/api/contacts/tags', json(body));
      const search = new URLSearchParams(params as Record<string, string>);
      await answer(`/api/contacts/export.csv?${search}`, { headers: owner() });
      await answer(`/api/audit?${search}`, { headers: owner() });
    });
  });

  it('POST /api/contacts/import', async () => {
    const cell = fc.oneof(hostileString, fc.constantFrom('Ada', 'ada@example.org', '+14155552671', '030 1234567', 'vip;de'));
    const csv = fc.tuple(fc.oneof(fc.constant('name,email,phone,tags'), fc.array(hostileString, { minLength: 1, maxLength: 4 }).map((h) => h.join(','))),
      fc.array(fc.array(cell, { maxLength: 5 }), { maxLength: 20 }), fc.constantFrom('\n', '\r\n', '\r')).map(([header, rows, eol]) =>
      [header, ...rows.map((row) => row.map((value) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(','))].join(eol));
    const broken = fc.oneof(csv, hostileText, fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)));
    await property(fc.tuple(broken, fc.option(hostileString, { nil: undefined })), async ([body, country]) => {
      const query = country === undefined ? '' : `?${new URLSearchParams({ defaultCountry: country })}`;
      await answer(`/api/contacts/import${query}`, { method: 'POST', body, headers: { ...owner(), 'content-type': 'text/csv' } });
    });
  });

  it('GET and POST /api/channels/whatsapp/:account…', async () => {
    const account = fc.oneof(fc.constantFrom('sales', 'support', 'nobody'), hostileString).map((name) => encodeURIComponent(name.toWellFormed()));
    const body = mostly(fc.record({ phone: fc.oneof(fc.constantFrom('+4915112345678', '4915112345678', '+0'), hostileString) }, { requiredKeys: [] }));
    await property(fc.tuple(account, fc.constantFrom('', '/qr', '/pairing'), body), async ([name, what, payload]) => {
      const path = `/api/channels/whatsapp/${name}${what}`;
      await answer(path, what === '/pairing' ? json(payload) : { headers: owner() });
    });
  });

  it('leaves the gateway and the resolver working, with every accepted message resolved exactly once', async () => {
    expect((await fetch(`${harness.baseUrl}/healthz`)).status).to.equal(200);
    expect((await harness.call('POST', '/api/contacts', { body: { name: 'After The Storm' } })).status).to.equal(201);
    expect(accepted.size).to.be.greaterThan(RUNS / 4);
    await waitFor(() => {
      const seen = new Set(resolved.json<ResolvedEnvelope>().map((record) => record.id));
      return [...accepted].every((id) => seen.has(id));
    }, { timeoutMs: 300_000, intervalMs: 500, what: `all ${accepted.size} accepted messages on the resolved topic` });
    await resolved.settle(2_000);
    const counts = new Map<string, number>();
    for (const record of resolved.json<ResolvedEnvelope>()) counts.set(record.id, (counts.get(record.id) ?? 0) + 1);
    expect([...accepted].filter((id) => counts.get(id) !== 1)).to.deep.equal([]);
    expect((await harness.resolverMetrics.deadLettered.get()).values.reduce((sum, value) => sum + value.value, 0)).to.equal(0);
  });
});
