import { expect } from 'chai';
import fc from 'fast-check';
import { apiMessage } from '../helpers/envelopes.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostileJson, hostileString, mutated } from '../helpers/hostile.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/**
 * `POST /v1/messages` has a path around express for plain JSON requests with a live key
 * (gateway/routes/messages.ts). Whatever the body, it must answer exactly as the express route does: the same
 * request with a query string, which the fast path leaves to express, is the reference.
 */
describe('API channel: the fast path answers as the express route does', () => {
  let harness: Harness;
  before(async () => { harness = await startHarness({ resolvers: 0 }); });
  after(() => harness.close());

  async function both(body: string, headers: Record<string, string> = {}) {
    const send = async (path: string) => {
      const response = await fetch(`${harness.baseUrl}${path}`, { method: 'POST', body,
        headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'application/json', ...headers } });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.json() as unknown };
    };
    return { fast: await send('/v1/messages'), express: await send('/v1/messages?via=express') };
  }

  it('for messages, batches and hostile JSON', async () => {
    const message = fc.tuple(fc.nat(), mutated({ account: 'acme', text: 'hello' }), mutated({ id: 'user', email: 'ada@example.org' }))
      .map(([n, fields, sender]) => ({ id: `fast-${n}`, ...fields, sender }));
    const body = fc.oneof(message, fc.record({ messages: fc.array(message, { maxLength: 3 }) }), hostileJson)
      .map((value) => JSON.stringify(value) ?? 'null');
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: hostileString }), async (text) => {
      const { fast, express } = await both(text);
      expect(fast).to.deep.equal(express);
    }), { numRuns: RUNS, endOnFailure: true });
  });

  const valid = JSON.stringify(apiMessage('fast-edge'));
  const edges: [string, string, Record<string, string>?][] = [
    ['a byte-order mark before the JSON', `\uFEFF${valid}`],
    ['a byte-order mark alone (found by the property above)', '\uFEFF'],
    ['JSON null', 'null'],
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['only whitespace', '   '],
    ['an empty array', '[]'],
    ['an object with messages that is not an array', '{"messages":{}}'],
    ['a UTF-8 charset', valid, { 'content-type': 'application/json; charset=UTF-8' }],
    ['another charset', valid, { 'content-type': 'application/json; charset=latin1' }],
    ['another media type', valid, { 'content-type': 'text/plain' }],
    ['a key that does not exist', valid, { authorization: 'Bearer not-a-key-that-exists-0000' }],
    ['a body over the limit', JSON.stringify({ ...apiMessage('fast-big'), text: 'x'.repeat(2_000_000) })],
  ];
  for (const [what, body, headers] of edges) {
    it(`for ${what}`, async () => {
      const { fast, express } = await both(body, headers);
      expect(fast).to.deep.equal(express);
    });
  }

  it('is taken: its answer has no ETag, which express adds to a JSON answer', async () => {
    const post = (path: string) => fetch(`${harness.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(apiMessage('fast-etag')),
      headers: { authorization: `Bearer ${harness.ownerKey}`, 'content-type': 'application/json' } });
    const [fast, viaExpress] = [await post('/v1/messages'), await post('/v1/messages?via=express')];
    expect([fast.status, viaExpress.status]).to.deep.equal([202, 202]);
    expect(viaExpress.headers.get('etag')).to.be.a('string');
    expect(fast.headers.get('etag')).to.equal(null);
  });

  it('counts its requests under the route, as express does', async () => {
    const accepted = async () => {
      const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
      return Number(/^tributary_gateway_http_requests_total\{route="\/v1\/messages",status="202"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await accepted();
    const { fast } = await both(JSON.stringify(apiMessage('fast-counted')));
    expect(fast.status).to.equal(202);
    expect(await accepted()).to.equal(before + 2);
  });
});
