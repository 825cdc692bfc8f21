import { expect } from 'chai';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** What the admin console needed from the API that it did not have (issue 16): each a route a script can use too. */
describe('the API gaps the console found (real Postgres and Kafka)', function () {
  this.timeout(60_000);
  let harness: Harness;
  const ids: Record<string, string> = {};

  before(async () => {
    harness = await startHarness();
    for (const [key, name, tags] of [['ann', 'Ann Console', ['vip']], ['bob', 'Bob Console', ['vip']], ['cy', 'Cy Other', []]] as const) {
      ids[key] = (await harness.call('POST', '/api/contacts', { body: { name, tags } })).body.id;
    }
  });
  after(async () => harness?.close());

  const tagsOf = async (id: string) => (await harness.call('GET', `/api/contacts/${id}`)).body.tags as string[];

  describe('bulk tagging "all that match"', () => {
    it('tags and untags every contact a filter and free text match, and nothing else', async () => {
      const selection = { filter: { conditions: [{ field: 'tag', op: 'has', value: 'vip' }], match: 'all' }, q: 'Console' };
      const tagged = await harness.call('POST', '/api/contacts/tags', { body: { selection, add: ['q4'] } });
      expect(tagged).to.deep.include({ status: 200, body: { added: 2, removed: 0 } });
      expect(await tagsOf(ids.ann!)).to.include('q4');
      expect(await tagsOf(ids.cy!)).not.to.include('q4');
      const untagged = await harness.call('POST', '/api/contacts/tags', { body: { selection: { all: true }, remove: ['q4'] } });
      expect(untagged.body).to.deep.equal({ added: 0, removed: 2 });
    });

    it('keeps a tag with a lone UTF-16 surrogate as U+FFFD, in the tags and in the audit log (found by fuzzing: it was a 500)', async () => {
      const response = await harness.call('POST', '/api/contacts/tags', { body: { contactIds: [ids.bob], add: ['odd\udfff'] } });
      expect(response.status).to.equal(200);
      expect(await tagsOf(ids.bob!)).to.include('odd\uFFFD');
    });

    it('answers 400 naming the field when both or neither of contactIds and selection are given, or the expression is invalid', async () => {
      const both = await harness.call('POST', '/api/contacts/tags', { body: { contactIds: [ids.ann], selection: { all: true }, add: ['x'] } });
      expect(both.status).to.equal(400);
      expect(both.body.error.message).to.match(/either contactIds or selection/);
      const neither = await harness.call('POST', '/api/contacts/tags', { body: { add: ['x'] } });
      expect(neither.status).to.equal(400);
      const invalid = await harness.call('POST', '/api/contacts/tags',
        { body: { selection: { filter: { conditions: [], match: '1 and' } }, add: ['x'] } });
      expect(invalid.status).to.equal(400);
      expect(invalid.body.error.message).to.match(/^Invalid logical expression/);
    });
  });

  it('exports only the selected contacts with ids=, and refuses what is not a list of ids', async () => {
    const response = await harness.call('GET', `/api/contacts/export.csv?columns=name&ids=${ids.ann},${ids.cy}`);
    expect(response.status).to.equal(200);
    expect(String(response.body).trim().split(/\r?\n/).slice(1).sort()).to.deep.equal(['Ann Console', 'Cy Other']);
    const bad = await harness.call('GET', '/api/contacts/export.csv?ids=1,2');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/^ids: /);
  });

  it('narrows the audit log by actor, action and contact', async () => {
    const manager = await createApiKey(harness.testDb.db, { name: 'Manager Mo', role: 'manager' });
    await harness.call('POST', `/api/contacts/${ids.bob}/block`, { key: manager.key });
    const byActor = await harness.call('GET', `/api/audit?actor=${manager.id}`);
    expect(byActor.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['contact.blocked']);
    const byAction = await harness.call('GET', '/api/audit?action=contact.created');
    expect(byAction.body.entries).to.have.length(3);
    const byContact = await harness.call('GET', `/api/audit?contact=${ids.bob}`);
    expect(byContact.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['contact.blocked', 'contact.created']);
    expect((await harness.call('GET', '/api/audit?contact=nope')).status).to.equal(400);
  });

  it('lists merges with the names of their participants, older than a time when asked', async () => {
    const merged = await harness.call('POST', '/api/merges', { body: { primaryId: ids.ann, secondaryIds: [ids.cy] } });
    expect(merged.status).to.equal(201);
    const [merge] = (await harness.call('GET', '/api/merges')).body.merges;
    expect(merge.names).to.deep.equal({ [ids.ann!]: 'Ann Console', [ids.cy!]: 'Cy Other' });
    const mergedBefore = async (at: string) => (await harness.call('GET', `/api/merges?before=${encodeURIComponent(at)}`)).body
      .merges.map((m: { id: string }) => m.id);
    expect(await mergedBefore(merge.mergedAt), 'strictly older ones only').to.not.include(merge.id);
    expect(await mergedBefore(new Date(Date.parse(merge.mergedAt) + 1).toISOString())).to.include(merge.id);
    await harness.call('POST', `/api/merges/${merge.id}/undo`);
  });

  describe('GET /api/events', () => {
    it('streams contact events as server-sent events, from ready on', async () => {
      const controller = new AbortController();
      const response = await fetch(`${harness.baseUrl}/api/events`, { headers: { authorization: `Bearer ${harness.ownerKey}` },
        signal: controller.signal });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/event-stream/);
      let text = '';
      const reading = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
      })().catch(() => undefined);
      try {
        await waitFor(() => text.includes('event: ready'), { what: 'the ready event' });
        const created = await harness.call('POST', '/api/contacts', { body: { name: 'Live Lou' } });
        await waitFor(() => text.includes(created.body.id), { what: 'contact.created on the stream' });
        const event = text.split('\n\n').find((block) => block.includes(created.body.id))!;
        expect(event).to.match(/^event: contact\.created\ndata: \{/);
        expect(JSON.parse(event.split('\ndata: ')[1]!)).to.include({ type: 'contact.created', displayName: 'Live Lou', actor: 'test owner' });

        // A contact the resolver makes: from its resolved record, once, and not for the sender's next message.
        await harness.startResolver();
        const resolved = await harness.read('resolved');
        const message = (id: string) => ({ id, account: 'console-test', sender: { id: 'live-sender', name: 'Live Lena' }, text: 'hi' });
        expect((await harness.post('/v1/messages', message('m1'))).status).to.equal(202);
        await waitFor(() => text.includes('Live Lena'), { what: 'contact.created for the resolver\'s new contact', timeoutMs: 30_000 });
        expect((await harness.post('/v1/messages', message('m2'))).status).to.equal(202);
        await resolved.waitForCount(2);
        await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for a second event, were there one
        const made = text.split('\n\n').filter((block) => block.includes('Live Lena'));
        expect(made).to.have.length(1);
        expect(JSON.parse(made[0]!.split('\ndata: ')[1]!)).to.include({ type: 'contact.created', channel: 'api' });
      } finally {
        controller.abort();
        await reading;
      }
    });

    it('ends open streams when the gateway stops accepting, so it can stop at once', async () => {
      const response = await fetch(`${harness.baseUrl}/api/events`, { headers: { authorization: `Bearer ${harness.ownerKey}` } });
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).to.include('event: ready');
      harness.liveEvents!.endStreams();
      let done = false;
      while (!done) done = (await reader.read()).done;
    });

    it('needs an API key', async () => {
      expect((await fetch(`${harness.baseUrl}/api/events`)).status).to.equal(401);
    });
  });
});
