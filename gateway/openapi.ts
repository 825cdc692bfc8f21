import { z } from 'zod';
import type { Role } from '../contacts/access.js';
import { EVERYONE, MANAGERS, OWNERS } from './auth.js';
import { filterSchema } from '../contacts/filters.js';
import {
  apiKeySchema, bulkTagsSchema, contactFieldsSchema, createContactSchema, deleteContactsSchema, fieldDefinitionSchema,
  mergeSchema, newWebchatSiteSchema, noteSchema, searchSchema, tagsSchema, viewSchema, webchatSiteSchema,
} from '../contacts/schema.js';
import { pairingBodySchema } from '../connectors/whatsapp/pairing.js';

interface Operation {
  summary: string;
  roles: readonly Role[];
  body?: z.ZodType;
  bodyType?: string;
  status: number;
}


/** Every admin API operation, by path and method. A test checks this against the routes the app serves. */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/api/contacts': {
    get: { summary: 'List contacts (cursor pages; q, sort, blocked, tag, lifecycleStage, assignee, view)', roles: EVERYONE, status: 200 },
    post: { summary: 'Create a contact; its email and phone become trusted contact points', roles: EVERYONE, body: createContactSchema, status: 201 },
  },
  '/api/contacts/search': {
    post: { summary: 'Search with numbered conditions and a match mode or logical expression', roles: EVERYONE, body: searchSchema, status: 200 },
  },
  '/api/contacts/export.csv': {
    get: { summary: 'Export matching contacts as streamed CSV (columns, filter, q, view, ids, shorthands)', roles: MANAGERS, status: 200 },
  },
  '/api/contacts/import': {
    post: { summary: 'Import contacts from CSV as a background job (text/csv; defaultCountry for national phones; '
      + 'Idempotency-Key makes a retried upload the same job); the per-row report is the job\'s result', roles: MANAGERS,
      bodyType: 'text/csv', status: 202 },
  },
  '/api/contacts/delete': {
    post: { summary: 'Delete many contacts (ids, a filter, or all) as a background job', roles: MANAGERS, body: deleteContactsSchema, status: 202 },
  },
  '/api/contacts/tags': {
    post: { summary: 'Add and remove tags on many contacts', roles: MANAGERS, body: bulkTagsSchema, status: 200 },
  },
  '/api/contacts/{id}': {
    get: { summary: 'A contact with identities, channels, notes and duplicate counts; 308 for a merged-away id', roles: EVERYONE, status: 200 },
    patch: { summary: 'Edit fields (phone in E.164; custom fields as defined at /api/fields)', roles: EVERYONE, body: contactFieldsSchema, status: 200 },
    delete: { summary: 'Delete a contact for good; emits contact.deleted', roles: MANAGERS, status: 204 },
  },
  '/api/contacts/{id}/block': { post: { summary: 'Block: later messages are dropped; emits contact.blocked', roles: MANAGERS, status: 200 } },
  '/api/contacts/{id}/unblock': { post: { summary: 'Unblock; emits contact.unblocked', roles: MANAGERS, status: 200 } },
  '/api/contacts/{id}/identities/{identityId}': {
    delete: { summary: 'Remove a channel identity (e.g. a changed phone number)', roles: MANAGERS, status: 204 },
  },
  '/api/contacts/{id}/duplicates': { get: { summary: 'Open merge suggestions of a contact', roles: EVERYONE, status: 200 } },
  '/api/contacts/{id}/tags': { post: { summary: 'Tag a contact (unknown tags are created)', roles: EVERYONE, body: tagsSchema, status: 200 } },
  '/api/contacts/{id}/tags/{tag}': { delete: { summary: 'Untag a contact (the tag stays)', roles: EVERYONE, status: 200 } },
  '/api/contacts/{id}/notes': {
    get: { summary: 'Notes, oldest first, with their author', roles: EVERYONE, status: 200 },
    post: { summary: 'Add a note', roles: EVERYONE, body: noteSchema, status: 201 },
  },
  '/api/me': { get: { summary: 'The key making the request: its id, name and role', roles: EVERYONE, status: 200 } },
  '/api/tags': { get: { summary: 'Tags with the number of contacts carrying each', roles: EVERYONE, status: 200 } },
  '/api/fields': {
    get: { summary: 'Custom field definitions', roles: EVERYONE, status: 200 },
    post: { summary: 'Define a custom field (text, number, boolean, date, list)', roles: MANAGERS, body: fieldDefinitionSchema, status: 201 },
  },
  '/api/fields/{key}': { delete: { summary: 'Delete a custom field definition', roles: MANAGERS, status: 204 } },
  '/api/views': {
    get: { summary: 'Saved views visible to this key', roles: EVERYONE, status: 200 },
    post: { summary: 'Save a view (public or private to its creator)', roles: EVERYONE, body: viewSchema, status: 201 },
  },
  '/api/views/{id}': { delete: { summary: 'Delete a view (its creator or an owner)', roles: EVERYONE, status: 204 } },
  '/api/merges/preview': { post: { summary: 'The merged result and every field conflict', roles: MANAGERS, body: mergeSchema, status: 200 } },
  '/api/merges': {
    get: { summary: 'Merge history, newest first, with the participants\' names', roles: MANAGERS, status: 200 },
    post: { summary: 'Merge up to 24 secondaries into a primary; emits contact.merged', roles: MANAGERS, body: mergeSchema, status: 201 },
  },
  '/api/merges/{id}/undo': { post: { summary: 'Unmerge, restoring each secondary; emits contact.unmerged', roles: MANAGERS, status: 200 } },
  '/api/duplicates': { get: { summary: 'All open merge suggestions, newest first', roles: EVERYONE, status: 200 } },
  '/api/duplicates/{id}/dismiss': { post: { summary: 'Not a duplicate: never suggest the pair again', roles: MANAGERS, status: 204 } },
  '/api/jobs/{id}': { get: { summary: 'Progress of a background job (delete, import); an import\'s report once it finished',
    roles: MANAGERS, status: 200 } },
  '/api/keys': {
    get: { summary: 'API keys (never the keys themselves)', roles: OWNERS, status: 200 },
    post: { summary: 'Create an API key; the key is shown once', roles: OWNERS, body: apiKeySchema, status: 201 },
  },
  '/api/keys/{id}': { delete: { summary: 'Revoke an API key', roles: OWNERS, status: 204 } },
  '/api/webchat/sites': {
    get: { summary: 'Web-chat sites (with each one\'s identity secret)', roles: MANAGERS, status: 200 },
    post: { summary: 'Add a web-chat site: allowed origins, pre-chat fields, greeting', roles: MANAGERS, body: newWebchatSiteSchema, status: 201 },
  },
  '/api/webchat/sites/{site}': {
    get: { summary: 'A web-chat site', roles: MANAGERS, status: 200 },
    put: { summary: 'Change a web-chat site (its id and identity secret stay)', roles: MANAGERS, body: webchatSiteSchema, status: 200 },
    delete: { summary: 'Remove a web-chat site and its visitors (their contacts stay)', roles: MANAGERS, status: 204 },
  },
  '/api/channels': {
    get: { summary: 'Stream connectors (IMAP mailboxes, WhatsApp numbers): the state each one\'s process last recorded; stale when it stopped reporting',
      roles: MANAGERS, status: 200 },
  },
  '/api/channels/whatsapp': { get: { summary: 'The WhatsApp Web accounts: state, linked device, pairing pending', roles: MANAGERS, status: 200 } },
  '/api/channels/whatsapp/{account}': { get: { summary: 'One WhatsApp Web account', roles: MANAGERS, status: 200 } },
  '/api/channels/whatsapp/{account}/qr': {
    get: { summary: 'The pairing QR code (PNG) while a pairing is pending; scan it with WhatsApp → Linked devices', roles: MANAGERS, status: 200 },
  },
  '/api/channels/whatsapp/{account}/pairing': {
    post: { summary: 'Pair the account (again, after a logout): a new QR code, or with `phone` a pairing code to type on that phone',
      roles: MANAGERS, body: pairingBodySchema, status: 202 },
  },
  '/api/audit': { get: { summary: 'Audit log of every change made through the API, newest first (filters: actor, action, contact)',
    roles: OWNERS, status: 200 } },
  '/api/events': { get: { summary: 'Contact events as server-sent events (text/event-stream) while the request stays open',
    roles: EVERYONE, status: 200 } },
};

const errorResponse = {
  description: 'Error',
  content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'object',
    required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } } } } },
};

/** The OpenAPI 3.1 document served at `/api/openapi.json`. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, operations] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
      paths[path][method] = {
        summary: operation.summary,
        description: `Roles: ${operation.roles.join(', ')}.`,
        ...(parameters.length ? { parameters } : {}),
        ...(operation.body ? { requestBody: { required: true, content: { 'application/json': {
          schema: z.toJSONSchema(operation.body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
        ...(operation.bodyType ? { requestBody: { required: true, content: { [operation.bodyType]: { schema: { type: 'string' } } } } } : {}),
        responses: { [operation.status]: { description: 'Success' }, '4XX': errorResponse },
        security: [{ apiKey: [] }],
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tributary admin API', version: '1', description: 'Contacts, merges, suggestions, tags, notes, views, keys.' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' } },
      schemas: { Filter: z.toJSONSchema(filterSchema, { io: 'input', unrepresentable: 'any' }) },
    },
    paths,
  };
}
