import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { produce } from '../helpers/kafka.js';
import { envelope, inboundMessage } from '../helpers/envelopes.js';
import { waitFor } from '../helpers/wait-for.js';

describe('contact search, export, import and delete (real Postgres and Kafka)', () => {
  let harness: Harness;
  const ids: Record<string, string> = {};

  before(async () => {
    harness = await startHarness();
    await harness.call('POST', '/api/fields', { body: { key: 'plan', label: 'Plan', type: 'text' } });
    for (const [key, body, tags] of [
      ['ann', { name: 'Ann Andrews', email: 'ann@example.com', lifecycleStage: 'customer', customFields: { plan: 'pro' } }, ['vip']],
      ['anton', { name: 'Anton Berg', phone: '+4915123456789' }, ['vip', 'de']],
      ['bea', { name: 'Bea Carter', email: 'bea@example.org', assignee: 'sam' }, []],
      ['carl', { name: 'Carl Dunn' }, ['de']],
      ['dana', { name: 'Dana Evans', email: 'dana@example.com' }, []],
    ] as const) {
      const created = await harness.call('POST', '/api/contacts', { body: { ...body, tags } });
      ids[key] = created.body.id;
    }
  });
  after(async () => harness.close());

  const search = async (body: object) => harness.call('POST', '/api/contacts/search', { body });
  /** A background job once it succeeded. */
  const finished = (id: string) => waitFor(async () => {
    const status = await harness.call('GET', `/api/jobs/${id}`);
    return status.body.status === 'succeeded' && status.body;
  }, { what: `job ${id}` });
  const names = (response: { body: { contacts: { name: string }[] } }) => response.body.contacts.map((c) => c.name).sort();

  describe('searching with conditions and a match expression', () => {
    const table: [string, object, string[]][] = [
      ['all', { conditions: [{ field: 'name', op: 'contains', value: 'an' }, { field: 'tag', op: 'has', value: 'vip' }], match: 'all' },
        ['Ann Andrews', 'Anton Berg']],
      ['any', { conditions: [{ field: 'email', op: 'contains', value: '.org' }, { field: 'tag', op: 'has', value: 'de' }], match: 'any' },
        ['Anton Berg', 'Bea Carter', 'Carl Dunn']],
      ['expression', { conditions: [{ field: 'tag', op: 'has', value: 'vip' }, { field: 'tag', op: 'has', value: 'de' },
        { field: 'email', op: 'is empty' }, { field: 'assignee', op: 'is', value: 'sam' }], match: '(1 and 3) or 4' },
      ['Anton Berg', 'Bea Carter']],
      ['not', { conditions: [{ field: 'tag', op: 'has not', value: 'vip' }, { field: 'email', op: 'not contains', value: 'example.com' }] },
        ['Bea Carter', 'Carl Dunn']],
      ['custom field', { conditions: [{ field: 'custom.plan', op: 'is', value: 'PRO' }] }, ['Ann Andrews']],
      ['lifecycle', { conditions: [{ field: 'lifecycleStage', op: 'is', value: 'customer' }] }, ['Ann Andrews']],
      ['channel', { conditions: [{ field: 'channel', op: 'has', value: 'sms' }] }, []],
      ['created within', { conditions: [{ field: 'created', op: 'within the last', value: 1 }, { field: 'name', op: 'is', value: 'carl dunn' }] },
        ['Carl Dunn']],
      ['free text over tags and custom fields', { q: 'pro' }, ['Ann Andrews']],
      ['free text over tags', { q: 'vip' }, ['Ann Andrews', 'Anton Berg']],
    ];
    for (const [label, body, expected] of table) {
      it(`${label}: ${expected.join(', ') || 'nobody'}`, async () => {
        const response = await search(body);
        expect(response.status, JSON.stringify(response.body)).to.equal(200);
        expect(names(response)).to.deep.equal(expected);
      });
    }

    it('answers 400 "Invalid logical expression" with the reason', async () => {
      const response = await search({ conditions: [{ field: 'name', op: 'contains', value: 'a' }], match: '1 and 2' });
      expect(response.status).to.equal(400);
      expect(response.body.error).to.deep.equal({ code: 'invalid_expression',
        message: 'Invalid logical expression: condition 2 is not defined (there is 1 condition)' });
    });

    it('pages with a cursor in the chosen order, without repeats or gaps', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await harness.call('GET', `/api/contacts?sort=name&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).to.equal(200);
        seen.push(...page.body.contacts.map((c: { name: string }) => c.name));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).to.deep.equal(['Ann Andrews', 'Anton Berg', 'Bea Carter', 'Carl Dunn', 'Dana Evans']);
      const wrong = await harness.call('GET', `/api/contacts?sort=-created&cursor=${Buffer.from('["name","x","00000000-0000-0000-0000-000000000000"]').toString('base64url')}`);
      expect(wrong.status).to.equal(400);
    });

    it('saves views: public ones are visible to every key, private ones to their creator only', async () => {
      const other = (await harness.call('POST', '/api/keys', { body: { name: 'Other', role: 'agent' } })).body.key;
      const filter = { conditions: [{ field: 'tag', op: 'has', value: 'de' }], match: 'all' };
      const priv = await harness.call('POST', '/api/views', { body: { name: 'Mine', filter } });
      const pub = await harness.call('POST', '/api/views', { body: { name: 'Shared', public: true, filter } });
      const visible = await harness.call('GET', '/api/views', { key: other });
      expect(visible.body.views.map((v: { name: string }) => v.name)).to.deep.equal(['Shared']);
      expect((await harness.call('GET', `/api/contacts?view=${priv.body.id}`, { key: other })).status).to.equal(404);
      expect(names(await harness.call('GET', `/api/contacts?view=${pub.body.id}`, { key: other }))).to.deep.equal(['Anton Berg', 'Carl Dunn']);
      const byName = await harness.call('POST', '/api/views', { body: { name: 'By name', filter: { ...filter, sort: 'name' } } });
      const sorted = await harness.call('GET', `/api/contacts?view=${byName.body.id}`);
      expect(sorted.body.contacts.map((c: { name: string }) => c.name), 'the view\'s sort applies').to.deep.equal(['Anton Berg', 'Carl Dunn']);
      const badSort = await harness.call('POST', '/api/views', { body: { name: 'Bad', filter: { ...filter, sort: 'shoe' } } });
      expect(badSort.status).to.equal(400);
      expect(badSort.body.error.field).to.equal('filter.sort');
    });
  });

  describe('exporting', () => {
    it('streams the chosen columns of matching contacts as CSV', async () => {
      const response = await fetch(`${harness.baseUrl}/api/contacts/export.csv?columns=name,email,tags,custom.plan&tag=vip`,
        { headers: { authorization: `Bearer ${harness.ownerKey}` } });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/csv/);
      const lines = (await response.text()).trim().split('\r\n');
      expect(lines[0]).to.equal('name,email,tags,custom.plan');
      expect(lines.slice(1).sort()).to.deep.equal(['Ann Andrews,ann@example.com,vip,pro', 'Anton Berg,,de;vip,']);
    });
  });

  describe('importing', () => {
    it('creates valid rows, reads national phones in the stated country, and reports each bad row', async () => {
      const csv = ['name,email,phone,tags,custom.plan',
        'Imre Import,imre@example.com,030 1234567,imported;de,basic',
        '"Quoted, Name",,+14155552671,imported,',
        'Bad Phone,,12,,',
        'Bad Email,not-an-email,,,',
        ',,,,'].join('\n');
      const response = await fetch(`${harness.baseUrl}/api/contacts/import?defaultCountry=DE`, {
        method: 'POST', body: csv, headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'text/csv' } });
      expect(response.status).to.equal(202);
      const job = await finished(((await response.json()) as { id: string }).id);
      const report = job.result as { imported: number; failed: number; errors: { line: number; field?: string }[] };
      expect(job).to.include({ kind: 'contacts.import', total: 5, done: 5 });
      expect(report.imported).to.equal(2);
      expect(report.errors.map((e) => [e.line, e.field])).to.deep.equal([[4, 'phone'], [5, 'email'], [6, undefined]]);
      const imported = await search({ conditions: [{ field: 'tag', op: 'has', value: 'imported' }] });
      expect(imported.body.contacts.map((c: { name: string; phone: string }) => [c.name, c.phone]).sort())
        .to.deep.equal([['Imre Import', '+49301234567'], ['Quoted, Name', '+14155552671']]);
    });

    it('refuses unknown columns before importing anything', async () => {
      const response = await fetch(`${harness.baseUrl}/api/contacts/import`, {
        method: 'POST', body: 'name,shoe_size\nX,44\n', headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'text/csv' } });
      expect(response.status).to.equal(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).to.match(/unknown column `shoe_size`/);
    });
  });

  describe('deleting', () => {
    it('deletes in a background job with progress, emits contact.deleted, and a later message makes a new contact', async () => {
      const events = await harness.read('contactEvents');
      const resolved = await harness.read('resolved');
      const first = envelope({ channel: 'telegram', account: 'bot', kind: 'telegram_user', id: '777000111' });
      await produce(harness.kafka, harness.topics.inbound, [inboundMessage(first)]);
      const [record] = await resolved.waitForCount<ResolvedEnvelope>(1);
      const contactId = record!.contact.id;
      await harness.call('POST', `/api/contacts/${contactId}/tags`, { body: { tags: ['doomed'] } });
      await harness.call('POST', '/api/contacts/tags', { body: { contactIds: [ids.carl, ids.dana], add: ['doomed'] } });

      const started = await harness.call('POST', '/api/contacts/delete', { body: { filter: {
        conditions: [{ field: 'tag', op: 'has', value: 'doomed' }], match: 'all' } } });
      expect(started.status).to.equal(202);
      expect(started.body).to.include({ total: 3, kind: 'contacts.delete' });
      const job = await waitFor(async () => {
        const status = await harness.call('GET', `/api/jobs/${started.body.id}`);
        return status.body.status === 'succeeded' && status.body;
      }, { what: 'the delete job' });
      expect(job).to.include({ done: 3, total: 3 });
      expect((await harness.call('GET', `/api/contacts/${ids.carl}`)).status).to.equal(404);
      await waitFor(() => events.json().filter((e) => e.type === 'contact.deleted').length === 3, { what: 'contact.deleted x3' });

      await produce(harness.kafka, harness.topics.inbound, [inboundMessage(envelope({
        channel: 'telegram', account: 'bot', kind: 'telegram_user', id: '777000111' }))]);
      const [, again] = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(again!.contact.isNew).to.equal(true);
      expect(again!.contact.id).not.to.equal(contactId);
    });

    it('deletes one contact at once', async () => {
      expect((await harness.call('DELETE', `/api/contacts/${ids.bea}`)).status).to.equal(204);
      expect((await harness.call('GET', `/api/contacts/${ids.bea}`)).status).to.equal(404);
    });
  });
});
