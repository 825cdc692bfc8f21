import { expect } from 'chai';
import type { Envelope, ResolvedEnvelope } from '../../connectors/envelope.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { recordBusinessAddresses } from '../../db/repositories/business-addresses.js';
import type { SenderKind } from '../../identity/channels.js';
import { recordConfiguredAddresses } from '../../resolvers/business.js';
import { envelope, inboundMessage, randomPhone } from '../helpers/envelopes.js';
import { logger, startHarness, type Harness } from '../helpers/harness.js';
import { produce, type TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

/** Identity hygiene (issue 15): the resolver never joins strangers, and what it suggests says why. */
describe('identity hygiene (real Postgres and Kafka)', () => {
  let harness: Harness;
  let resolved: TopicReader;
  let events: TopicReader;
  let agentKey: string;
  const SMS_ACCOUNT = '+4930123456';

  before(async () => {
    harness = await startHarness();
    resolved = await harness.read('resolved');
    events = await harness.read('contactEvents');
    agentKey = (await createApiKey(harness.testDb.db, { name: 'Agent', role: 'agent' })).key;
  });
  after(() => harness.close());

  async function resolve(values: Envelope[]): Promise<ResolvedEnvelope[]> {
    await produce(harness.kafka, harness.topics.inbound, values.map(inboundMessage));
    const ids = values.map((value) => value.id);
    await waitFor(() => ids.every((id) => resolved.json<ResolvedEnvelope>().some((r) => r.id === id)), { what: `${ids.length} records` });
    return ids.map((id) => resolved.json<ResolvedEnvelope>().find((r) => r.id === id)!);
  }

  const sms = (id: string) => envelope({ channel: 'sms', account: SMS_ACCOUNT, kind: 'sms', id });
  const apiUser = (profile: Envelope['profile']) =>
    envelope({ channel: 'api', account: 'acme-app', kind: 'api_user', scope: 'acme', id: `u-${Math.random()}`, profile });
  const duplicatesOf = async (contactId: string) => (await harness.call('GET', `/api/contacts/${contactId}/duplicates`)).body.duplicates as
    { id: string; other: { id: string }; field: string; value: string; reason: string }[];
  const flaggedBetween = (a: string, b: string) => events.json<{ type: string; contactId: string; otherContactId: string; reason: string }>()
    .filter((e) => e.type === 'duplicate_flagged' && [a, b].includes(e.contactId) && [a, b].includes(e.otherContactId));

  describe('junk never matches and never suggests', () => {
    const strangers: { what: string; send: () => Envelope }[] = [
      ...['+10000000000', '1234567890', '+11234567890', '+15555555555', '+12025550100', '+266696687', '+7378742833',
        '+8656696', '+2562533', '+86282452253', '0000000', '+49 123456789', '12', 'anonymous']
        .map((id) => ({ what: `SMS from ${id}`, send: () => sms(id) })),
      { what: 'WhatsApp from +12025550100', send: () => envelope({ channel: 'whatsapp', account: SMS_ACCOUNT, kind: 'whatsapp', id: '+12025550100' }) },
      ...['test@test.com', 'test@example.com', 'noreply@example.com', 'mailer-daemon@googlemail.com', 'a@a.com', 'ada@shop.test',
        'no-reply@acme.com', 'bounces+123@mail.acme.com']
        .map((id) => ({ what: `email from ${id}`, send: () => envelope({ channel: 'email', account: 'help@acme.com', kind: 'email' as SenderKind, id }) })),
      ...['test@example.com', 'nobody@acme.com', 'asdf@asdf.com'].map((email) => ({ what: `API users with profile email ${email}`,
        send: () => apiUser({ email }) })),
      ...['+12025550100', '+447700900123', '1234567890'].map((phone) => ({ what: `API users with profile phone ${phone}`,
        send: () => apiUser({ phone }) })),
      { what: 'Telegram users sharing the phone +15555555555', send: () => envelope({ channel: 'telegram', account: 'acme_bot',
        kind: 'telegram_user', id: String(Math.floor(Math.random() * 1e9)), profile: { phone: '+15555555555' } }) },
    ];
    for (const { what, send } of strangers) {
      it(`${what}: two strangers are two contacts, with no suggestion between them`, async () => {
        const [first, second] = await resolve([send(), send()]);
        expect(first!.contact.id).not.to.equal(second!.contact.id);
        expect(first!.contact.isNew && second!.contact.isNew).to.equal(true);
        expect(first!.contact.potentialDuplicates).to.equal(0);
        expect(await duplicatesOf(second!.contact.id)).to.deep.equal([]);
        expect(flaggedBetween(first!.contact.id, second!.contact.id)).to.deep.equal([]);
      });
    }

    it('keeps a junk profile value on the message, so nothing a customer wrote is lost', async () => {
      const [record] = await resolve([apiUser({ email: 'test@example.com', phone: '+12025550100' })]);
      expect(record!.profile).to.deep.include({ email: 'test@example.com', phone: '+12025550100' });
    });

    it('stores a junk email or phone a person enters, and never compares it (API and CSV import)', async () => {
      const created = await Promise.all([1, 2].map(() => harness.call('POST', '/api/contacts',
        { body: { name: 'Placeholder', email: 'test@example.com', phone: '+12025550100' } })));
      expect(created.map((r) => r.status)).to.deep.equal([201, 201]);
      expect(created[0]!.body).to.include({ email: 'test@example.com', phone: '+12025550100' });
      for (const response of created) expect(await duplicatesOf(response.body.id)).to.deep.equal([]);

      const csv = 'name,email,phone\nImported One,noreply@acme.com,+12025550199\nImported Two,noreply@acme.com,+12025550199\n';
      const started = await fetch(`${harness.baseUrl}/api/contacts/import`, { method: 'POST', body: csv,
        headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'text/csv' } });
      const { id } = (await started.json()) as { id: string };
      await waitFor(async () => (await harness.call('GET', `/api/jobs/${id}`)).body.status === 'succeeded', { what: 'import' });
      const imported = await harness.call('GET', '/api/contacts?q=Imported');
      expect(imported.body.contacts).to.have.length(2);
      for (const contact of imported.body.contacts) expect(await duplicatesOf(contact.id)).to.deep.equal([]);
    });
  });

  describe('the business\'s own addresses', () => {
    it('are never a customer\'s identity or contact point: configured, and every account a message arrived on', async () => {
      // What the resolver records at start from BUSINESS_ADDRESSES and EMAIL_MAILBOXES; what is neither is skipped.
      await recordConfiguredAddresses(harness.testDb.db, ['Hello@Acme.com', 'not an address'], logger);
      expect([...await recordBusinessAddresses(harness.testDb.db, [])]).to.include('hello@acme.com').and.not.include('not an address');
      // An email arrives on the support mailbox and a WhatsApp message on another number: both become ours.
      await resolve([envelope({ channel: 'email', account: 'support@acme.com', kind: 'email', id: 'ada@lovelace.dev' }),
        envelope({ channel: 'whatsapp', account: '+4930999888', kind: 'whatsapp', id: randomPhone() })]);
      const visitors = await resolve([apiUser({ email: 'support@acme.com' }), apiUser({ email: 'support@acme.com' }),
        apiUser({ email: 'Hello@acme.com' }), apiUser({ email: 'hello@acme.com', phone: '+4930999888' })]);
      expect(new Set(visitors.map((r) => r.contact.id)).size).to.equal(4);
      for (const visitor of visitors) expect(await duplicatesOf(visitor.contact.id)).to.deep.equal([]);
      // Our own WhatsApp number writing to our SMS number is not a customer either.
      const [first, second] = await resolve([sms('+4930999888'), sms('+4930999888')]);
      expect(first!.contact.id).not.to.equal(second!.contact.id);
      const detail = await harness.call('GET', `/api/contacts/${visitors[0]!.contact.id}`);
      expect(detail.body.email ?? null).to.equal(null);
    });
  });

  describe('equivalent addresses are suggested, never linked', () => {
    // The first address, the second, and the rule; each run adds a number to the name so suites never collide.
    const cases: [(u: string) => string, (u: string) => string, string][] = [
      [(u) => `j.smith${u}+shop@gmail.com`, (u) => `jsmith${u}@googlemail.com`, 'Gmail'],
      [(u) => `ada${u}+news@outlook.com`, (u) => `ada${u}@outlook.com`, 'Outlook'],
      [(u) => `grace${u}+x@icloud.com`, (u) => `grace${u}@icloud.com`, 'iCloud'],
      [(u) => `alan${u}-shop@yahoo.com`, (u) => `alan${u}@yahoo.com`, 'Yahoo'],
    ];
    for (const [first, second, rule] of cases) {
      it(`${first('')} and ${second('')}: two contacts and one suggestion that names the ${rule} rule`, async () => {
        const unique = String(Math.floor(Math.random() * 1e6));
        const [a, b] = [first(unique), second(unique)];
        const [one] = await resolve([apiUser({ email: a })]);
        const [two] = await resolve([apiUser({ email: b })]);
        expect(one!.contact.id).not.to.equal(two!.contact.id);
        expect(two!.contact.potentialDuplicates).to.equal(1);
        const [suggestion] = await duplicatesOf(two!.contact.id);
        expect(suggestion).to.deep.include({ field: 'email', value: b,
          reason: `same ${rule} mailbox: ${b.slice(0, b.indexOf('@') + 1)} vs ${a.slice(0, a.indexOf('@') + 1)}` });
        expect(suggestion!.other.id).to.equal(one!.contact.id);
        const [event] = flaggedBetween(one!.contact.id, two!.contact.id);
        expect(event!.reason).to.equal(suggestion!.reason);
      });
    }

    it('a mailbox on a server whose rules are unknown is compared exactly', async () => {
      const [one, two] = await resolve([apiUser({ email: 'ada+x@acme.com' }), apiUser({ email: 'ada@acme.com' })]);
      expect(await duplicatesOf(one!.contact.id)).to.deep.equal([]);
      expect(await duplicatesOf(two!.contact.id)).to.deep.equal([]);
    });

    it('the same email on two contacts is suggested, with the exact rule', async () => {
      const email = `ada.${Math.floor(Math.random() * 1e6)}@lovelace.dev`;
      const [one, two] = await resolve([apiUser({ email }), apiUser({ email })]);
      const [suggestion] = await duplicatesOf(one!.contact.id);
      expect(suggestion).to.deep.include({ field: 'email', value: email, reason: `same email ${email}` });
      expect(suggestion!.other.id).to.equal(two!.contact.id);
    });

    it('the same phone written nationally (read in the account\'s country) and in E.164 is suggested', async () => {
      const e164 = randomPhone();
      const national = `0${e164.slice(3, 7)} ${e164.slice(7)}`;
      const [texted] = await resolve([sms(national)]);
      const [api] = await resolve([apiUser({ phone: e164 })]);
      expect(texted!.contact.id).not.to.equal(api!.contact.id);
      const [suggestion] = await duplicatesOf(api!.contact.id);
      expect(suggestion).to.deep.include({ field: 'phone', value: e164, reason: `same phone ${e164}` });
    });
  });

  describe('a contact\'s country comes from its phone when it has none', () => {
    it('on every channel, through the API and in an import', async () => {
      const [texted] = await resolve([sms(randomPhone())]);
      expect((await harness.call('GET', `/api/contacts/${texted!.contact.id}`)).body.country).to.equal('DE');
      const [api] = await resolve([apiUser({ phone: '+14158675309' })]);
      expect((await harness.call('GET', `/api/contacts/${api!.contact.id}`)).body.country).to.equal('US');
      const [stated] = await resolve([apiUser({ phone: '+14158675301', country: 'CA' })]);
      expect((await harness.call('GET', `/api/contacts/${stated!.contact.id}`)).body.country).to.equal('CA');

      const created = await harness.call('POST', '/api/contacts', { body: { name: 'Created', phone: '+33612345678' } });
      expect(created.body.country).to.equal('FR');
      const patched = await harness.call('PATCH', `/api/contacts/${(await harness.call('POST', '/api/contacts', { body: { name: 'Later' } })).body.id}`,
        { body: { phone: '+61412345678' } });
      expect(patched.body.country).to.equal('AU');

      const started = await fetch(`${harness.baseUrl}/api/contacts/import`, { method: 'POST', body: 'name,phone\nCountry Import,+819012345678\n',
        headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'text/csv' } });
      const { id } = (await started.json()) as { id: string };
      await waitFor(async () => (await harness.call('GET', `/api/jobs/${id}`)).body.status === 'succeeded', { what: 'import' });
      const [row] = (await harness.call('GET', '/api/contacts?q=Country%20Import')).body.contacts;
      expect(row.country).to.equal('JP');
    });
  });

  describe('rules the contacts API had without tests', () => {
    it('agents get 403 on delete (one and bulk), export, import, identity removal, suggestion dismissal and bulk tagging', async () => {
      const [one, two] = await resolve([apiUser({ email: 'shared.403@lovelace.dev' }), apiUser({ email: 'shared.403@lovelace.dev' })]);
      const [suggestion] = await duplicatesOf(one!.contact.id);
      const detail = (await harness.call('GET', `/api/contacts/${one!.contact.id}`)).body;
      for (const [method, path, body] of [
        ['DELETE', `/api/contacts/${one!.contact.id}`, undefined],
        ['POST', '/api/contacts/delete', { contactIds: [one!.contact.id] }],
        ['GET', '/api/contacts/export.csv', undefined],
        ['POST', '/api/contacts/import', undefined],
        ['DELETE', `/api/contacts/${one!.contact.id}/identities/${detail.identities[0].id}`, undefined],
        ['POST', `/api/duplicates/${suggestion!.id}/dismiss`, undefined],
        ['POST', '/api/contacts/tags', { contactIds: [one!.contact.id, two!.contact.id], add: ['vip'] }],
      ] as const) {
        const response = await harness.call(method, path, { key: agentKey, body });
        expect(response.status, `${method} ${path}`).to.equal(403);
      }
      expect((await harness.call('GET', `/api/contacts/${one!.contact.id}`)).status).to.equal(200);
      expect(await duplicatesOf(one!.contact.id)).to.have.length(1);
    });

    it('a phone a person entered on one contact attaches a first SMS from it; held by two contacts, it attaches to neither', async () => {
      const trusted = randomPhone();
      const owner = (await harness.call('POST', '/api/contacts', { body: { name: 'Trusted', phone: trusted } })).body;
      const [record] = await resolve([sms(trusted)]);
      expect(record!.contact).to.include({ id: owner.id, isNew: false });

      const shared = randomPhone();
      const holders = await Promise.all([1, 2].map(async () =>
        (await harness.call('POST', '/api/contacts', { body: { name: 'Holder', phone: shared } })).body.id as string));
      const [stranger] = await resolve([sms(shared)]);
      expect(holders).not.to.include(stranger!.contact.id);
      expect(stranger!.contact.isNew).to.equal(true);
    });

    it('tributary_resolver_messages_dropped_total rises for a blocked contact\'s message', async () => {
      const dropped = async () => (await harness.resolverMetrics.dropped.get()).values.reduce((sum, v) => sum + v.value, 0);
      const number = randomPhone();
      const [first] = await resolve([sms(number)]);
      expect((await harness.call('POST', `/api/contacts/${first!.contact.id}/block`)).status).to.equal(200);
      const before = await dropped();
      await produce(harness.kafka, harness.topics.inbound, [inboundMessage(sms(number))]);
      await waitFor(async () => (await dropped()) === before + 1, { what: 'the drop counted' });
    });

    it('the notes of a merged contact come out in the order they were written', async () => {
      const [a, b] = await Promise.all(['Notes A', 'Notes B'].map(async (name) =>
        (await harness.call('POST', '/api/contacts', { body: { name } })).body.id as string));
      for (const [id, body] of [[b, 'first, on B'], [a, 'second, on A'], [b, 'third, on B'], [a, 'fourth, on A']] as const) {
        expect((await harness.call('POST', `/api/contacts/${id}/notes`, { body: { body } })).status).to.equal(201);
      }
      expect((await harness.call('POST', '/api/merges', { body: { primaryId: a, secondaryIds: [b] } })).status).to.equal(201);
      const notes = (await harness.call('GET', `/api/contacts/${a}/notes`)).body.notes as { body: string; createdAt: string }[];
      expect(notes.map((note) => note.body)).to.deep.equal(['first, on B', 'second, on A', 'third, on B', 'fourth, on A']);
    });
  });
});
