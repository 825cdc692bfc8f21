import { createServer, request as httpRequest, Agent, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** A raw HTTP exchange on a given agent, so that tests can see what happens to a kept-alive connection. */
function exchange(url: string, options: { method: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent }):
  Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers, agent: options.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', fail);
    req.end(options.body);
  });
}

describe('hostile input on the admin API (issue 10)', () => {
  let harness: Harness;
  let owner: Record<string, string>;
  before(async () => {
    harness = await startHarness({ resolvers: 0, env: { IMPORT_MAX_BYTES: '200000' } });
    owner = { authorization: `Bearer ${harness.ownerKey}` };
  });
  after(() => harness.close());

  const importCsv = (csv: string | Buffer, headers: Record<string, string> = {}) => fetch(`${harness.baseUrl}/api/contacts/import`,
    { method: 'POST', body: csv, headers: { ...owner, 'content-type': 'text/csv', ...headers } });
  const finished = (id: string) => waitFor(async () => {
    const status = await harness.call('GET', `/api/jobs/${id}`);
    return ['succeeded', 'failed'].includes(status.body.status) && status.body;
  }, { what: `job ${id}`, timeoutMs: 60_000 });

  describe('3. bad input is a 400 naming the field, never a 500', () => {
    const cases: [string, string, string, unknown, string][] = [
      ['a NUL in a contact field', 'POST', '/api/contacts', { name: 'Ad\u0000a' }, 'name'],
      ['a NUL in a tag', 'POST', '/api/contacts', { name: 'Ada', tags: ['v\u0000ip'] }, 'tags[0]'],
      ['a NUL in a search value', 'POST', '/api/contacts/search', { conditions: [{ field: 'name', op: 'contains', value: '\u0000' }] },
        'conditions[0].value'],
      ['a NUL in q', 'POST', '/api/contacts/search', { q: 'a\u0000' }, 'q'],
      ['a search date in the year 0', 'POST', '/api/contacts/search',
        { conditions: [{ field: 'created', op: 'before', value: '0000-01-01' }] }, 'conditions[0].value'],
      ['an impossible date', 'POST', '/api/contacts/search', { conditions: [{ field: 'created', op: 'after', value: '2026-02-30' }] },
        'conditions[0].value'],
    ];
    for (const [name, method, path, body, field] of cases) {
      it(`${name}`, async () => {
        const response = await harness.call(method, path, { body });
        expect(response.status).to.equal(400);
        expect(response.body.error.field).to.equal(field);
      });
    }
    for (const [name, path, field] of [['a NUL in q', '/api/contacts?q=%00', 'q'], ['a ?view= that is not a UUID', '/api/contacts?view=x', 'view'],
      ['a repeated q', '/api/contacts?q=a&q=b', 'q'], ['a merge history time in the year 0', '/api/merges?before=0000-01-01', 'before'],
      ['an overlong tag shorthand', `/api/contacts?tag=${'t'.repeat(200)}`, 'tag.value']] as const) {
      it(`GET: ${name}`, async () => {
        const response = await harness.call('GET', path);
        expect(response.status).to.equal(400);
        expect(response.body.error.field).to.equal(field);
      });
    }
    it('a CSV import that is not UTF-8, is binary, or is gzip without saying so', async () => {
      for (const [body, message] of [[Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xc3, 0x28]), /not UTF-8/],
        [Buffer.from('name\nAda\u0000\n'), /binary data/], [gzipSync('name\nAda\n'), /gzip-compressed/]] as const) {
        const response = await importCsv(body);
        expect(response.status).to.equal(400);
        expect(((await response.json()) as { error: { message: string } }).error.message).to.match(message);
      }
    });
  });

  describe('4. an export that fails after its first byte', () => {
    it('cuts the transfer, so the client sees it end instead of waiting forever', async () => {
      await harness.call('POST', '/api/contacts', { body: { name: 'Exported Once' } });
      const failing = harness.appWith({ contacts: { ...harness.contacts, exports: { export: async (_q, _k, _c, out) => {
        out.write('id,name\r\n');
        throw new Error('the database went away mid-export');
      } } } });
      const server = await listen(failing);
      try {
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/contacts/export.csv`, { headers: owner });
        expect(response.status).to.equal(200);
        let failure: unknown;
        await response.text().catch((error: unknown) => (failure = error));
        expect(String(failure)).to.match(/terminated|aborted|socket/i);
      } finally {
        server.close();
      }
    });
  });

  describe('5. CSV and spreadsheet formulas', () => {
    it('export prefixes formula cells with a quote, but not an E.164 phone; import brings the value back', async () => {
      await harness.call('POST', '/api/fields', { body: { key: 'note', label: 'Note', type: 'text' } });
      await harness.call('POST', '/api/contacts', { body: { name: '=HYPERLINK("http://evil")', phone: '+14155552671',
        tags: ['@cmd'], customFields: { note: '-2+3' } } });
      const csv = await (await fetch(`${harness.baseUrl}/api/contacts/export.csv?columns=name,phone,tags,custom.note&tag=@cmd`,
        { headers: owner })).text();
      expect(csv.split('\r\n')[1]).to.equal(`"'=HYPERLINK(""http://evil"")",+14155552671,'@cmd,'-2+3`);

      const reimport = await importCsv(`name,tags\n"'=1+1",roundtrip\n"\t=2+2",roundtrip\n`);
      await finished(((await reimport.json()) as { id: string }).id);
      const names = (await harness.call('GET', '/api/contacts?tag=roundtrip')).body.contacts.map((c: { name: string }) => c.name).sort();
      expect(names).to.deep.equal(['\t=2+2', '=1+1']);
    });
  });

  describe('6. CSV import as a background job', () => {
    it('answers 202 with the job, then reports every row; the same Idempotency-Key creates nothing twice', async () => {
      const rows = Array.from({ length: 2_500 }, (_, n) => `Person ${n},person${n}@example.org,bulk`);
      const csv = ['name,email,tags', ...rows, 'Broken,not-an-email,bulk'].join('\n');
      const first = await importCsv(csv, { 'idempotency-key': 'upload-1' });
      expect(first.status).to.equal(202);
      expect(first.headers.get('location')).to.match(/^\/api\/jobs\//);
      const job = (await first.json()) as { id: string; total: number };
      expect(job.total).to.equal(2_501);
      const again = await importCsv(csv, { 'idempotency-key': 'upload-1' });
      expect(again.status).to.equal(202);
      expect(((await again.json()) as { id: string }).id).to.equal(job.id);
      const done = await finished(job.id);
      expect(done).to.include({ status: 'succeeded', done: 2_501 });
      expect(done.result).to.deep.include({ imported: 2_500, failed: 1 });
      expect(done.result.errors).to.deep.equal([{ line: 2_502, field: 'email', message: 'email: must be a valid email address' }]);
      const [{ count }] = (await harness.testDb.db('contacts').where('display_name', 'like', 'Person %').count({ count: '*' })) as [{ count: string }];
      expect(Number(count)).to.equal(2_500);
    });
    it('refuses the same Idempotency-Key with another file (409)', async () => {
      const response = await importCsv('name\nSomeone Else\n', { 'idempotency-key': 'upload-1' });
      expect(response.status).to.equal(409);
      expect(((await response.json()) as { error: { reason: string } }).error.reason).to.equal('idempotency_key_reused');
    });
    it('refuses a file over IMPORT_MAX_BYTES with 413, and the next request on the same connection is answered', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const big = `name\n${'Someone\n'.repeat(60_000)}`;
      const refused = await exchange(`${harness.baseUrl}/api/contacts/import`, { method: 'POST', agent, body: big,
        headers: { ...owner, 'content-type': 'text/csv' } });
      expect(refused.status).to.equal(413);
      expect((await exchange(`${harness.baseUrl}/api/tags`, { method: 'GET', agent, headers: owner })).status).to.equal(200);
      agent.destroy();
    });
  });

  describe('10. an answer given before the body was read', () => {
    it('says Connection: close, and the client\'s next request is answered on a new connection, not reset', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const refused = await exchange(`${harness.baseUrl}/api/contacts/import`, { method: 'POST', agent,
        body: `name\n${'Someone\n'.repeat(60_000)}`, headers: { 'content-type': 'text/csv' } });
      expect(refused.status).to.equal(401);
      expect(refused.headers.connection).to.equal('close');
      expect((await exchange(`${harness.baseUrl}/api/tags`, { method: 'GET', agent, headers: owner })).status).to.equal(200);
      agent.destroy();
    });
  });

  describe('7. searches people shape themselves', () => {
    it('caps q on the GET route as on the POST one', async () => {
      const response = await harness.call('GET', `/api/contacts?q=${'a'.repeat(201)}`);
      expect(response.status).to.equal(400);
      expect(response.body.error.field).to.equal('q');
    });
    it('stops a search that runs past SEARCH_TIMEOUT_MS and says so (503), instead of holding a connection', async () => {
      const impatient = await startHarness({ resolvers: 0, env: { SEARCH_TIMEOUT_MS: '1' } });
      try {
        await impatient.testDb.db.raw(`INSERT INTO contacts (id, display_name, custom_fields)
          SELECT gen_random_uuid(), 'Filler ' || n, jsonb_build_object('k', md5(n::text)) FROM generate_series(1, 30000) AS n`);
        const response = await impatient.call('GET', '/api/contacts?q=nothing-matches-this');
        expect(response.status).to.equal(503);
        expect(response.body.error.code).to.equal('search_timeout');
      } finally {
        await impatient.close();
      }
    });
  });

  describe('8. a merged-away contact without a key', () => {
    it('answers 401, not a redirect that tells who absorbed it', async () => {
      const a = (await harness.call('POST', '/api/contacts', { body: { name: 'Kept' } })).body.id;
      const b = (await harness.call('POST', '/api/contacts', { body: { name: 'Merged Away' } })).body.id;
      expect((await harness.call('POST', '/api/merges', { body: { primaryId: a, secondaryIds: [b] } })).status).to.equal(201);
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${harness.baseUrl}/api/contacts/${b}${method === 'POST' ? '/notes' : ''}`, { method, redirect: 'manual' });
        expect(response.status).to.equal(401);
        expect(response.headers.get('location')).to.equal(null);
      }
    });
  });
});

function listen(listener: RequestListener): Promise<Server> {
  return new Promise((ready) => { const server = createServer(listener).listen(0, '127.0.0.1', () => ready(server)); });
}
