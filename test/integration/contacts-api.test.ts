import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { produce } from '../helpers/kafka.js';
import { envelope, inboundMessage } from '../helpers/envelopes.js';

describe('contacts admin API (real Postgres and Kafka)', () => {
  let harness: Harness;
  let agentKey: string;
  let managerKey: string;

  before(async () => {
    harness = await startHarness();
    agentKey = (await createApiKey(harness.testDb.db, { name: 'Agent Smith', role: 'agent' })).key;
    managerKey = (await createApiKey(harness.testDb.db, { name: 'Manager Mia', role: 'manager' })).key;
  });
  after(async () => harness.close());

  const create = async (body: object) => {
    const response = await harness.call('POST', '/api/contacts', { body });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body as { id: string; [field: string]: unknown };
  };

  describe('creating and editing a contact', () => {
    it('creates a contact and shows it with its channels', async () => {
      const contact = await create({ firstName: 'Grace', lastName: 'Hopper', email: 'Grace@Example.com', phone: '+14155552671' });
      expect(contact).to.include({ name: 'Grace Hopper', email: 'grace@example.com', phone: '+14155552671', blocked: false });
      const { status, body } = await harness.call('GET', `/api/contacts/${contact.id}`);
      expect(status).to.equal(200);
      expect(body.identities).to.deep.equal([]);
      expect(body.channels.active).to.deep.equal([]);
      expect(body.channels.inactive).to.have.members(['sms', 'whatsapp', 'email']);
      expect(body.channels.unavailable).to.have.members(['webchat', 'messenger', 'instagram', 'telegram']);
      expect(body).to.include({ notesCount: 0, duplicatesCount: 0 });
    });

    it('refuses a phone that is not E.164, naming the field', async () => {
      const contact = await create({ name: 'Phone Person' });
      const { status, body } = await harness.call('PATCH', `/api/contacts/${contact.id}`, { body: { phone: '0151 2345678' } });
      expect(status).to.equal(400);
      expect(body.error.field).to.equal('phone');
      expect(body.error.message).to.match(/^phone: must be a valid phone number in E\.164/);
    });

    it('accepts defined custom fields of the right type and refuses unknown or mistyped ones', async () => {
      expect((await harness.call('POST', '/api/fields', { body: { key: 'plan', label: 'Plan', type: 'list', options: ['free', 'pro'] } })).status).to.equal(201);
      expect((await harness.call('POST', '/api/fields', { body: { key: 'seats', label: 'Seats', type: 'number' } })).status).to.equal(201);
      const contact = await create({ name: 'Custom Carla' });
      const ok = await harness.call('PATCH', `/api/contacts/${contact.id}`, { body: { customFields: { plan: 'pro', seats: 3 } } });
      expect(ok.status).to.equal(200);
      expect(ok.body.customFields).to.deep.equal({ plan: 'pro', seats: 3 });
      const unknown = await harness.call('PATCH', `/api/contacts/${contact.id}`, { body: { customFields: { colour: 'red' } } });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.field).to.equal('customFields.colour');
      const mistyped = await harness.call('PATCH', `/api/contacts/${contact.id}`, { body: { customFields: { seats: 'three' } } });
      expect(mistyped.status).to.equal(400);
      expect(mistyped.body.error.message).to.equal('customFields.seats: must be a number');
      const badOption = await harness.call('PATCH', `/api/contacts/${contact.id}`, { body: { customFields: { plan: 'gold' } } });
      expect(badOption.status).to.equal(400);
    });

    it('answers 404 for an unknown contact and 400 for an id that is not a UUID', async () => {
      expect((await harness.call('GET', '/api/contacts/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      const bad = await harness.call('GET', '/api/contacts/not-an-id');
      expect(bad.status).to.equal(400);
      expect(bad.body.error.field).to.equal('id');
    });
  });

  describe('roles', () => {
    it('lets an agent read, edit, tag and annotate, but not block, merge, delete or export', async () => {
      const a = await create({ name: 'Role Target' });
      const b = await create({ name: 'Role Other' });
      expect((await harness.call('GET', `/api/contacts/${a.id}`, { key: agentKey })).status).to.equal(200);
      expect((await harness.call('PATCH', `/api/contacts/${a.id}`, { key: agentKey, body: { language: 'en' } })).status).to.equal(200);
      expect((await harness.call('POST', `/api/contacts/${a.id}/tags`, { key: agentKey, body: { tags: ['vip'] } })).status).to.equal(200);
      expect((await harness.call('POST', `/api/contacts/${a.id}/notes`, { key: agentKey, body: { body: 'called back' } })).status).to.equal(201);
      for (const [method, path, body] of [
        ['POST', `/api/contacts/${a.id}/block`, undefined],
        ['POST', `/api/contacts/${a.id}/unblock`, undefined],
        ['POST', '/api/merges', { primaryId: a.id, secondaryIds: [b.id] }],
        ['POST', '/api/merges/preview', { primaryId: a.id, secondaryIds: [b.id] }],
        ['GET', '/api/merges', undefined],
        ['POST', '/api/keys', { name: 'x', role: 'owner' }],
        ['GET', '/api/audit', undefined],
      ] as const) {
        const response = await harness.call(method, path, { key: agentKey, body });
        expect(response.status, `${method} ${path}`).to.equal(403);
        expect(response.body.error.code).to.equal('forbidden');
      }
    });

    it('lets only owners create keys, and a created key works', async () => {
      expect((await harness.call('POST', '/api/keys', { key: managerKey, body: { name: 'm', role: 'agent' } })).status).to.equal(403);
      const created = await harness.call('POST', '/api/keys', { body: { name: 'New agent', role: 'agent' } });
      expect(created.status).to.equal(201);
      expect(created.body.key).to.match(/^trb_/);
      expect((await harness.call('GET', '/api/contacts', { key: created.body.key })).status).to.equal(200);
      const keys = await harness.call('GET', '/api/keys');
      expect(JSON.stringify(keys.body)).not.to.include(created.body.key);
    });

    it('records every change in the audit log, readable by owners only', async () => {
      const contact = await create({ name: 'Audited' });
      await harness.call('PATCH', `/api/contacts/${contact.id}`, { key: managerKey, body: { lifecycleStage: 'customer' } });
      expect((await harness.call('GET', '/api/audit', { key: managerKey })).status).to.equal(403);
      const { body } = await harness.call('GET', '/api/audit');
      const entry = body.entries.find((e: any) => e.action === 'contact.updated' && e.targetId === contact.id);
      expect(entry.actor.name).to.equal('Manager Mia');
      expect(entry.before.lifecycleStage).to.equal('lead');
      expect(entry.after.lifecycleStage).to.equal('customer');
    });
  });

  describe('tags and notes', () => {
    it('adds and removes tags, keeps the tag itself, and counts tagged contacts', async () => {
      const a = await create({ name: 'Tag A' });
      const b = await create({ name: 'Tag B' });
      const bulk = await harness.call('POST', '/api/contacts/tags', { body: { contactIds: [a.id, b.id], add: ['Spring-Promo'] } });
      expect(bulk.body).to.deep.equal({ added: 2, removed: 0 });
      const removed = await harness.call('DELETE', `/api/contacts/${a.id}/tags/spring-promo`);
      expect(removed.body.tags).to.deep.equal([]);
      const { body } = await harness.call('GET', '/api/tags');
      expect(body.tags.find((t: any) => t.name === 'Spring-Promo').contacts).to.equal(1);
    });

    it('lists notes oldest first with their author', async () => {
      const contact = await create({ name: 'Noted' });
      await harness.call('POST', `/api/contacts/${contact.id}/notes`, { body: { body: 'first' } });
      await harness.call('POST', `/api/contacts/${contact.id}/notes`, { key: agentKey, body: { body: 'second' } });
      const { body } = await harness.call('GET', `/api/contacts/${contact.id}/notes`);
      expect(body.notes.map((n: any) => [n.body, n.author.name])).to.deep.equal([['first', 'test owner'], ['second', 'Agent Smith']]);
    });
  });

  describe('trusted contact points', () => {
    it('attaches a first email from an address a person entered to that contact', async () => {
      const resolved = await harness.read('resolved');
      const contact = await create({ name: 'Trusted Tom', email: 'tom@people.dev' });
      await produce(harness.kafka, harness.topics.inbound, [inboundMessage(envelope({
        channel: 'email', account: 'support@acme.test', kind: 'email', id: 'Tom@People.dev' }))]);
      const [record] = await resolved.waitForCount<ResolvedEnvelope>(1);
      expect(record!.contact).to.include({ id: contact.id, isNew: false });
      const { body } = await harness.call('GET', `/api/contacts/${contact.id}`);
      expect(body.channels.active.map((c: any) => c.channel)).to.deep.equal(['email']);
    });
  });
});
