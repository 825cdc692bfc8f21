import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { query } from '../../db/sql.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { TopicReader, produce } from '../helpers/kafka.js';
import { envelope, inboundMessage, randomPhone } from '../helpers/envelopes.js';
import { waitFor } from '../helpers/wait-for.js';

describe('block, merge, unmerge and merge suggestions (real Postgres and Kafka)', () => {
  let harness: Harness;
  let resolved: TopicReader;
  let events: TopicReader;

  before(async () => {
    harness = await startHarness();
    resolved = await harness.read('resolved');
    events = await harness.read('contactEvents');
  });
  after(() => harness.close());

  /** Sends one inbound message and waits for its resolved record (or for it to be dropped). */
  async function inbound(kind: 'sms' | 'whatsapp' | 'email' | 'telegram_user', id: string, profile = {}) {
    const channel = kind === 'telegram_user' ? 'telegram' : kind;
    const account = kind === 'email' ? 'support@acme.test' : kind === 'telegram_user' ? 'acme_bot' : '+4930123456';
    const value = envelope({ channel, account, kind, id, profile });
    await produce(harness.kafka, harness.topics.inbound, [inboundMessage(value)]);
    return value.id;
  }

  async function resolvedFor(envelopeId: string): Promise<ResolvedEnvelope> {
    await waitFor(() => resolved.json<ResolvedEnvelope>().some((r) => r.id === envelopeId), { what: `record ${envelopeId}` });
    return resolved.json<ResolvedEnvelope>().find((r) => r.id === envelopeId)!;
  }

  async function eventsOf(type: string, contactId: string) {
    return events.json<{ type: string; contactId: string; [k: string]: unknown }>()
      .filter((e) => e.type === type && e.contactId === contactId);
  }

  const phone = randomPhone;

  describe('blocking', () => {
    it('drops the very next message silently, emits contact.blocked, and lets messages flow again after unblocking', async () => {
      const number = phone();
      const contactId = (await resolvedFor(await inbound('sms', number))).contact.id;
      const blocked = await harness.call('POST', `/api/contacts/${contactId}/block`);
      expect(blocked.status).to.equal(200);
      expect(blocked.body.blocked).to.equal(true);
      await waitFor(async () => (await eventsOf('contact.blocked', contactId)).length === 1, { what: 'contact.blocked' });

      const droppedId = await inbound('sms', number);
      const [drops] = await waitForRow(harness, 'SELECT dropped_count FROM blocked_drops WHERE contact_id = ?', [contactId]);
      expect(drops!.dropped_count).to.equal(1);
      expect(resolved.json<ResolvedEnvelope>().some((r) => r.id === droppedId)).to.equal(false);

      const listed = await harness.call('GET', '/api/contacts?blocked=true');
      expect(listed.body.contacts.map((c: any) => c.id)).to.include(contactId);

      expect((await harness.call('POST', `/api/contacts/${contactId}/unblock`)).status).to.equal(200);
      const after = await resolvedFor(await inbound('sms', number));
      expect(after.contact.id).to.equal(contactId);
      expect(resolved.json<ResolvedEnvelope>().some((r) => r.id === droppedId)).to.equal(false);
      await waitFor(async () => (await eventsOf('contact.unblocked', contactId)).length === 1, { what: 'contact.unblocked' });
    });

    it('takes a blocked contact out of merge suggestions', async () => {
      const number = phone();
      const sms = (await resolvedFor(await inbound('sms', number))).contact.id;
      const whatsapp = (await resolvedFor(await inbound('whatsapp', number))).contact.id;
      const before = await harness.call('GET', `/api/contacts/${sms}/duplicates`);
      expect(before.body.duplicates.map((d: any) => [d.other.id, d.field, d.value])).to.deep.equal([[whatsapp, 'phone', number]]);
      await harness.call('POST', `/api/contacts/${whatsapp}/block`);
      expect((await harness.call('GET', `/api/contacts/${sms}/duplicates`)).body.duplicates).to.deep.equal([]);
      const all = await harness.call('GET', '/api/duplicates');
      expect(all.body.duplicates.some((d: any) => [d.contact.id, d.other.id].includes(whatsapp))).to.equal(false);
    });
  });

  describe('removing a channel identity', () => {
    it('keeps the contact, and the next message from that identity makes a new contact', async () => {
      const number = phone();
      const contactId = (await resolvedFor(await inbound('sms', number, { name: 'Changed Number' }))).contact.id;
      const [identity] = (await harness.call('GET', `/api/contacts/${contactId}`)).body.identities;
      const removed = await harness.call('DELETE', `/api/contacts/${contactId}/identities/${identity.id}`);
      expect(removed.status).to.equal(204);
      const after = (await harness.call('GET', `/api/contacts/${contactId}`)).body;
      expect(after.identities).to.deep.equal([]);
      expect(after.name).to.equal('Changed Number');
      const next = await resolvedFor(await inbound('sms', number));
      expect(next.contact.isNew).to.equal(true);
      expect(next.contact.id).not.to.equal(contactId);
    });
  });

  describe('merge suggestions', () => {
    it('lists a suggestion with the matching field and value, and a dismissed pair is not suggested again', async () => {
      const number = phone();
      const a = (await resolvedFor(await inbound('sms', number, { email: 'pair@people.dev' }))).contact.id;
      const b = (await resolvedFor(await inbound('whatsapp', number))).contact.id;
      const { body } = await harness.call('GET', '/api/duplicates');
      const suggestion = body.duplicates.find((d: any) => [d.contact.id, d.other.id].sort().join() === [a, b].sort().join());
      expect(suggestion).to.include({ field: 'phone', value: number });
      expect((await harness.call('POST', `/api/duplicates/${suggestion.id}/dismiss`)).status).to.equal(204);
      // The same pair now shares an email too: still not suggested.
      await resolvedFor(await inbound('whatsapp', number, { email: 'pair@people.dev' }));
      expect((await harness.call('GET', `/api/contacts/${a}/duplicates`)).body.duplicates).to.deep.equal([]);
    });
  });

  describe('merging', () => {
    it('previews the result with every conflict, merges, redirects the old id and routes later messages to the primary', async () => {
      const primaryPhone = phone();
      const secondaryEmail = `merge-${randomBytes(3).toString('hex')}@people.dev`;
      const primary = (await resolvedFor(await inbound('sms', primaryPhone, { name: 'Ada L' }))).contact.id;
      const secondary = (await resolvedFor(await inbound('email', secondaryEmail, { name: 'Ada Lovelace' }))).contact.id;
      await harness.call('POST', `/api/contacts/${secondary}/tags`, { body: { tags: ['math'] } });
      await harness.call('POST', `/api/contacts/${secondary}/notes`, { body: { body: 'wrote first' } });
      await harness.call('PATCH', `/api/contacts/${secondary}`, { body: { emailSubscription: 'unsubscribed' } });

      // The primary is the newer contact, so the merged created time must come from the secondary.
      await query(harness.testDb.db, "UPDATE contacts SET created_at = created_at + interval '1 day' WHERE id = ?", [primary]);
      const preview = await harness.call('POST', '/api/merges/preview', { body: { primaryId: primary, secondaryIds: [secondary] } });
      expect(preview.status).to.equal(200);
      expect(preview.body.result).to.include({ name: 'Ada L', phone: primaryPhone, email: secondaryEmail, emailSubscription: 'unsubscribed' });
      expect(preview.body.conflicts.map((c: any) => c.field)).to.deep.equal(['name']);

      const merged = await harness.call('POST', '/api/merges', { body: { primaryId: primary, secondaryIds: [secondary],
        fields: { name: secondary } } });
      expect(merged.status, JSON.stringify(merged.body)).to.equal(201);
      expect(merged.body.contact).to.include({ name: 'Ada Lovelace', email: secondaryEmail });
      expect(merged.body.contact.tags).to.deep.equal(['math']);

      const old = await harness.call('GET', `/api/contacts/${secondary}`);
      expect(old.status).to.equal(308);
      expect(old.headers.get('location')).to.equal(`/api/contacts/${primary}`);
      const detail = (await harness.call('GET', `/api/contacts/${primary}`)).body;
      const [times] = await query<{ created: Date; updated: Date; earliest: Date; merged: Date }>(harness.testDb.db,
        `SELECT p.created_at AS created, p.updated_at AS updated, m.merged_at AS merged,
                (m.snapshot->'secondaries'->0->'before'->>'created_at')::timestamptz AS earliest
           FROM contacts p JOIN merges m ON m.primary_id = p.id WHERE p.id = ?`, [primary]);
      expect(times!.created.getTime(), 'created time is the earliest').to.equal(times!.earliest.getTime());
      expect(preview.body.result.createdAt).to.equal(times!.earliest.toISOString());
      expect(times!.updated.getTime(), 'updated time is the merge time').to.equal(times!.merged.getTime());
      expect(detail.identities.map((i: any) => i.channel)).to.have.members(['sms', 'email']);
      expect(detail.notesCount).to.equal(1);
      const list = await harness.call('POST', '/api/contacts/search', { body: { conditions: [{ field: 'email', op: 'is', value: secondaryEmail }] } });
      expect(list.body.contacts.map((c: any) => c.id)).to.deep.equal([primary]);

      const later = await resolvedFor(await inbound('email', secondaryEmail));
      expect(later.contact.id).to.equal(primary);
      await waitFor(async () => (await eventsOf('contact.merged', primary)).length === 1, { what: 'contact.merged' });
      const [event] = await eventsOf('contact.merged', primary);
      expect(event).to.include({ primaryId: primary, mergeId: merged.body.id });
      expect(event!.secondaryIds).to.deep.equal([secondary]);
      const history = await harness.call('GET', '/api/merges');
      expect(history.body.merges[0]).to.include({ id: merged.body.id, primaryId: primary });
    });

    it('refuses blocked, already merged, repeated and self-including participants with 409 and the reason', async () => {
      const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(async () =>
        (await harness.call('POST', '/api/contacts', { body: { name: 'Refusal' } })).body.id as string));
      await harness.call('POST', `/api/contacts/${d}/block`);
      const cases: [object, string][] = [
        [{ primaryId: a, secondaryIds: [a] }, 'primary_in_secondaries'],
        [{ primaryId: a, secondaryIds: [b, b] }, 'duplicate_ids'],
        [{ primaryId: a, secondaryIds: [d] }, 'blocked'],
      ];
      for (const [body, reason] of cases) {
        const response = await harness.call('POST', '/api/merges', { body });
        expect(response.status, reason).to.equal(409);
        expect(response.body.error.reason).to.equal(reason);
      }
      expect((await harness.call('POST', '/api/merges', { body: { primaryId: a, secondaryIds: [b] } })).status).to.equal(201);
      const again = await harness.call('POST', '/api/merges', { body: { primaryId: c, secondaryIds: [b] } });
      expect(again.status).to.equal(409);
      expect(again.body.error.reason).to.equal('already_merged');
    });

    it('merges 25 contacts at once and refuses 26', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 26; i++) ids.push((await harness.call('POST', '/api/contacts', { body: { name: `Many ${i}` } })).body.id);
      const tooMany = await harness.call('POST', '/api/merges', { body: { primaryId: ids[0], secondaryIds: ids.slice(1) } });
      expect(tooMany.status).to.equal(400);
      expect(tooMany.body.error.message).to.match(/at most 25 contacts/);
      const ok = await harness.call('POST', '/api/merges', { body: { primaryId: ids[0], secondaryIds: ids.slice(1, 25) } });
      expect(ok.status).to.equal(201);
      expect(ok.body.secondaryIds).to.have.length(24);
    });

    it('lets only one of two concurrent merges over overlapping contacts succeed', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b, c] = await Promise.all([1, 2, 3].map(async () =>
          (await harness.call('POST', '/api/contacts', { body: { name: 'Race' } })).body.id as string));
        const results = await Promise.all([
          harness.call('POST', '/api/merges', { body: { primaryId: a, secondaryIds: [b] } }),
          harness.call('POST', '/api/merges', { body: { primaryId: c, secondaryIds: [b] } }),
        ]);
        expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409]);
        const [row] = await query<{ merged_into: string }>(harness.testDb.db, 'SELECT merged_into FROM contacts WHERE id = ?', [b!]);
        const winner = results.find((r) => r.status === 201)!.body.primaryId;
        expect(row!.merged_into).to.equal(winner);
      }
    });
  });

  describe('unmerging', () => {
    it('returns every participant to its exact prior state, for randomly built contacts (property)', async () => {
      for (let trial = 0; trial < 8; trial++) {
        const random = seeded(trial + 1);
        const participants: string[] = [];
        const count = 2 + Math.floor(random() * 4);
        for (let i = 0; i < count; i++) participants.push(await randomContact(random, i));
        const before = await stateOf(participants);
        const [primaryId, ...secondaryIds] = participants;
        const merged = await harness.call('POST', '/api/merges', { body: { primaryId, secondaryIds } });
        expect(merged.status, JSON.stringify(merged.body)).to.equal(201);
        expect(await stateOf(participants)).not.to.deep.equal(before);
        const undone = await harness.call('POST', `/api/merges/${merged.body.id}/undo`);
        expect(undone.status, JSON.stringify(undone.body)).to.equal(200);
        expect(await stateOf(participants), `trial ${trial}`).to.deep.equal(before);
      }
    });

    it('gives a secondary back the messages that arrived through its identity after the merge, at any later time', async () => {
      const number = phone();
      const primary = (await resolvedFor(await inbound('telegram_user', `${Date.now()}`))).contact.id;
      const secondary = (await resolvedFor(await inbound('sms', number))).contact.id;
      const merged = await harness.call('POST', '/api/merges', { body: { primaryId: primary, secondaryIds: [secondary] } });
      expect((await resolvedFor(await inbound('sms', number))).contact.id).to.equal(primary);
      await harness.call('PATCH', `/api/contacts/${primary}`, { body: { lifecycleStage: 'customer' } });
      expect((await harness.call('POST', `/api/merges/${merged.body.id}/undo`)).status).to.equal(200);
      const restored = (await harness.call('GET', `/api/contacts/${secondary}`)).body;
      expect(restored.identities.map((i: any) => [i.channel, i.messageCount])).to.deep.equal([['sms', 2]]);
      const primaryAfter = (await harness.call('GET', `/api/contacts/${primary}`)).body;
      expect(primaryAfter.identities.map((i: any) => i.channel)).to.deep.equal(['telegram']);
      expect(primaryAfter.lifecycleStage).to.equal('customer');
      expect((await resolvedFor(await inbound('sms', number))).contact.id).to.equal(secondary);
      await waitFor(async () => (await eventsOf('contact.unmerged', primary)).length === 1, { what: 'contact.unmerged' });
      expect((await harness.call('POST', `/api/merges/${merged.body.id}/undo`)).status).to.equal(409);
    });
  });

  /** A contact with a random mix of inbound identities, typed fields, tags and notes. */
  async function randomContact(random: () => number, index: number): Promise<string> {
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    let id: string;
    if (random() < 0.5) {
      id = (await resolvedFor(await inbound(pick(['sms', 'whatsapp'] as const), phone(),
        random() < 0.5 ? { name: `Inbound ${index}` } : {}))).contact.id;
    } else {
      id = (await harness.call('POST', '/api/contacts', { body: { name: `Typed ${index}` } })).body.id;
    }
    const patch: Record<string, unknown> = {};
    if (random() < 0.6) patch.email = `p${randomBytes(3).toString('hex')}@people.dev`;
    if (random() < 0.5) patch.country = pick(['DE', 'FR', 'US']);
    if (random() < 0.5) patch.assignee = pick(['ana', 'bo']);
    if (random() < 0.5) patch.emailSubscription = pick(['subscribed', 'unsubscribed']);
    if (random() < 0.5) patch.lifecycleStage = pick(['lead', 'customer']);
    if (Object.keys(patch).length) expect((await harness.call('PATCH', `/api/contacts/${id}`, { body: patch })).status).to.equal(200);
    const tags = ['red', 'green', 'blue'].filter(() => random() < 0.4);
    if (tags.length) await harness.call('POST', `/api/contacts/${id}/tags`, { body: { tags } });
    for (let n = Math.floor(random() * 3); n > 0; n--) {
      await harness.call('POST', `/api/contacts/${id}/notes`, { body: { body: `note ${n}` } });
    }
    return id;
  }

  /** Everything observable about contacts: rows, identities, interactions, tags, notes, points, suggestions. */
  async function stateOf(ids: string[]) {
    const db = harness.testDb.db;
    const rows = (sql: string) => query<Record<string, unknown>>(db, sql, [ids]);
    return {
      contacts: await rows('SELECT to_jsonb(c)::text AS row FROM contacts c WHERE id = ANY(?::uuid[]) ORDER BY id'),
      identities: await rows('SELECT id, contact_id FROM contact_identities WHERE contact_id = ANY(?::uuid[]) ORDER BY id'),
      interactions: await rows('SELECT * FROM interactions WHERE contact_id = ANY(?::uuid[]) ORDER BY identity_id'),
      tags: await rows('SELECT contact_id, tag_id, created_at FROM contact_tags WHERE contact_id = ANY(?::uuid[]) ORDER BY 1, 2'),
      notes: await rows('SELECT * FROM notes WHERE contact_id = ANY(?::uuid[]) ORDER BY id'),
      points: await rows('SELECT contact_id, kind, value, source FROM contact_points WHERE contact_id = ANY(?::uuid[]) ORDER BY 1, 2, 3'),
      suggestions: await rows(`SELECT contact_a, contact_b, field, value, status FROM duplicate_suggestions
                                WHERE ?::uuid[] && ARRAY[contact_a, contact_b] ORDER BY 1, 2, 3, 4`),
      details: await Promise.all(ids.map(async (id) => (await harness.call('GET', `/api/contacts/${id}`)).body)),
    };
  }
});

async function waitForRow(harness: Harness, sql: string, params: string[]) {
  let rows: Record<string, number>[] = [];
  await waitFor(async () => (rows = await query<Record<string, number>>(harness.testDb.db, sql, params)).length > 0, { what: sql });
  return rows;
}

/** A small deterministic generator, so a failing trial can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
