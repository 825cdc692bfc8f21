import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { httpClient, type HttpClient } from '../../bench/http-client.js';

/** The bench's load generator against a real node HTTP server: what it reads, reuses and sends again. */
describe('bench HTTP client', () => {
  let server: Server;
  let client: HttpClient | undefined;
  const sockets = new Set<string>();
  let handler: (body: string, answer: (status: number, body: string, headers?: Record<string, string>) => void, destroy: () => void) => void;

  beforeEach(async () => {
    server = createServer((req, res) => {
      sockets.add(`${req.socket.remotePort}`);
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => handler(body, (status, text, headers = {}) => res.writeHead(status, headers).end(text), () => req.socket.destroy()));
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    sockets.clear();
  });

  afterEach(async () => {
    client?.close();
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  });

  const connect = (maxSockets = 4) => (client = httpClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port,
    headers: { 'content-type': 'application/json' }, maxSockets }));

  it('sends the body and resolves with the status once the whole answer is read, then reuses the socket', async () => {
    const bodies: string[] = [];
    handler = (body, answer) => {
      bodies.push(body);
      answer(202, 'x'.repeat(200_000), { 'content-length': '200000' });
    };
    const http = connect();
    expect(await http.post('/v1/messages', '{"n":1}')).to.equal(202);
    expect(await http.post('/v1/messages', '{"n":"ü"}')).to.equal(202);
    expect(bodies).to.deep.equal(['{"n":1}', '{"n":"ü"}']);
    expect(sockets.size).to.equal(1);
  });

  it('opens a new socket after an answer that closes the connection', async () => {
    handler = (_body, answer) => answer(401, '{}', { connection: 'close', 'content-length': '2' });
    const http = connect();
    expect(await http.post('/v1/messages', '{}')).to.equal(401);
    expect(await http.post('/v1/messages', '{}')).to.equal(401);
    expect(sockets.size).to.equal(2);
  });

  it('sends a request again on a new socket when the server closed the one it went on', async () => {
    let calls = 0;
    handler = (_body, answer, destroy) => (calls++ === 1 ? destroy() : answer(202, '{}', { 'content-length': '2' }));
    const http = connect();
    expect(await http.post('/v1/messages', '{}')).to.equal(202);
    expect(await http.post('/v1/messages', '{}')).to.equal(202);
    expect(http.resent).to.equal(1);
    expect(calls).to.equal(3);
  });

  it('sends again on a new socket, not on another idle one that may be as stale', async () => {
    const served = new Set<string>();
    let refused = 0;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const socket = `${req.socket.remotePort}`;
      req.resume().on('end', () => {
        // A socket that served once stands for one the gateway timed out: it is closed unanswered.
        if (served.has(socket)) {
          refused++;
          req.socket.destroy();
          return;
        }
        served.add(socket);
        res.writeHead(202, { 'content-length': '2' }).end('{}');
      });
    });
    const http = connect();
    expect(await Promise.all([http.post('/v1/messages', '{}'), http.post('/v1/messages', '{}')])).to.deep.equal([202, 202]);
    expect(await http.post('/v1/messages', '{}')).to.equal(202);
    expect({ refused, resent: http.resent, sockets: served.size }).to.deep.equal({ refused: 1, resent: 1, sockets: 3 });
  });

  it('holds requests beyond maxSockets until a socket is free', async () => {
    const held: (() => void)[] = [];
    handler = (_body, answer) => held.push(() => answer(202, '{}', { 'content-length': '2' }));
    const http = connect(2);
    const answers = Promise.all(Array.from({ length: 5 }, () => http.post('/v1/messages', '{}')));
    while (held.length < 2) await new Promise((tick) => setTimeout(tick, 5));
    await new Promise((tick) => setTimeout(tick, 20));
    expect(held).to.have.length(2);
    while (held.length > 0) {
      held.shift()!();
      await new Promise((tick) => setTimeout(tick, 10));
    }
    expect(await answers).to.deep.equal([202, 202, 202, 202, 202]);
    expect(sockets.size).to.equal(2);
  });
});
