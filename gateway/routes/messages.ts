import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { Router } from 'express';
import { normaliseApiMessages } from '../../connectors/api/normalise.js';
import { apiBatchSchema, apiMessageSchema } from '../../connectors/api/schema.js';
import type { AppDeps, ErrorAnswer } from '../app.js';
import { allow, bearerKey, EVERYONE, requireApiKey } from '../auth.js';
import { parseWith } from '../../identity/parse.js';

export const MESSAGES_PATH = '/v1/messages';

/** The API channel: `POST /v1/messages` for products that relay their own users' messages. */
export function messagesRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post(MESSAGES_PATH,
    requireApiKey(deps.authenticate),
    allow(EVERYONE),
    express.json({ limit: deps.maxBodyBytes, type: () => true }),
    async (req, res) => {
      res.status(202).json(await acceptMessages(deps, req.body));
    });
  return router;
}

/** Validates one message or a batch, publishes the envelopes and says what Kafka acknowledged. */
async function acceptMessages(deps: AppDeps, body: unknown): Promise<{ accepted: number; ids: string[] }> {
  const isBatch = typeof body === 'object' && body !== null && 'messages' in body;
  const messages = isBatch ? parseWith(apiBatchSchema, body).messages : [parseWith(apiMessageSchema, body)];
  const envelopes = normaliseApiMessages(messages, deps.clock());
  await deps.publisher.publish(envelopes);
  return { accepted: envelopes.length, ids: envelopes.map((envelope) => envelope.id) };
}

/** The body is not JSON, or its JSON is not an object or array: answered as express's body parser's refusal is. */
class JsonBodyError extends Error {
  readonly type = 'entity.parse.failed';
}

/**
 * `POST /v1/messages` as most clients send it — a JSON body of a known length, not compressed, and a live key —
 * on node's own request and response, before express and without its body parser (see `createHttp`). Any
 * other request to it (no or a revoked key, a Content-Encoding, another charset, a chunked or oversized body, a
 * query string) goes on to express and `messagesRoutes`, which answers it as before; so does every other route.
 * Every role may post, so a live key is all `allow(EVERYONE)` would have checked. It counts its own answers in
 * the request metrics, under the route as express would.
 */
export function messagesFastPath(deps: AppDeps, answerTo: (error: unknown, req: IncomingMessage) => ErrorAnswer) {
  const send = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
      .end(text);
    deps.metrics.requests.inc({ route: MESSAGES_PATH, status });
  };
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (!isPlainJsonPost(req, deps.maxBodyBytes)) return next();
    const key = bearerKey(req.headers.authorization);
    if (!key) return next();
    // A key the database cannot check now is left to express too: its route answers the failure as any other.
    void deps.authenticate(key).then((apiKey) => {
      if (!apiKey) return next();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        void (async () => acceptMessages(deps, parseJsonBody(text)))()
          .then((accepted) => send(res, 202, accepted), (error: unknown) => {
            const { status, headers, body } = answerTo(error, req);
            send(res, status, body, headers);
          });
      });
    }, next);
  };
}

/** A POST to the route whose body express's JSON parser would read as plain UTF-8 JSON, within the limit. */
function isPlainJsonPost(req: IncomingMessage, maxBodyBytes: number): boolean {
  const { 'content-length': length, 'content-encoding': encoding, 'content-type': type, 'transfer-encoding': chunked } = req.headers;
  return req.method === 'POST' && req.url === MESSAGES_PATH && Number(length) > 0 && Number(length) <= maxBodyBytes
    && chunked === undefined && (encoding === undefined || encoding === 'identity') && type !== undefined && JSON_TYPE.test(type);
}

/** `application/json`, alone or with a UTF-8 charset: what express's parser would read the same way. */
const JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/**
 * JSON as express's parser reads it (strict): a byte-order mark is skipped, nothing after it reads as `{}`, and
 * only an object or array is a body.
 */
function parseJsonBody(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    throw new JsonBodyError('the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null) throw new JsonBodyError('the body is not a JSON object or array');
  return body;
}
