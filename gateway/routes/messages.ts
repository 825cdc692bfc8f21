import express, { Router } from 'express';
import { normaliseApiMessages } from '../../connectors/api/normalise.js';
import { apiBatchSchema, apiMessageSchema } from '../../connectors/api/schema.js';
import type { AppDeps } from '../app.js';
import { allow, EVERYONE, requireApiKey } from '../auth.js';
import { parseWith } from '../../identity/parse.js';

/** The API channel: `POST /v1/messages` for products that relay their own users' messages. */
export function messagesRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/v1/messages',
    requireApiKey(deps.authenticate),
    allow(EVERYONE),
    express.json({ limit: deps.maxBodyBytes, type: () => true }),
    async (req, res) => {
      const body: unknown = req.body;
      const isBatch = typeof body === 'object' && body !== null && 'messages' in body;
      const messages = isBatch ? parseWith(apiBatchSchema, body).messages : [parseWith(apiMessageSchema, body)];
      const envelopes = normaliseApiMessages(messages, deps.clock());
      await deps.publisher.publish(envelopes);
      res.status(202).json({ accepted: envelopes.length, ids: envelopes.map((envelope) => envelope.id) });
    });
  return router;
}
