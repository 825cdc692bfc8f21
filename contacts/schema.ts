import { z } from 'zod';
import { ROLES } from '../db/repositories/api-keys.js';
import { SORTS } from '../db/repositories/contact-profiles.js';
import { normaliseEmail } from '../identity/normalise/email.js';
import { normalisePhone } from '../identity/normalise/phone.js';
import { filterSchema } from './filters.js';

export const LIFECYCLE_STAGES = ['lead', 'qualified', 'customer', 'churned'] as const;
export const MAX_MERGE_CONTACTS = 25;

export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .transform((id) => id.toLowerCase());

/**
 * A phone entered by a person must already be E.164: `+` and the full international number. A well-formed
 * number that stands for nobody (one reserved for fiction) is stored as typed but never compared (see points).
 */
export const e164Phone = z.string().trim().refine((value) => {
  const phone = normalisePhone(value);
  return /^\+\d+$/.test(value) && phone.value === value;
}, 'must be a valid phone number in E.164 form, e.g. +14155552671');

/** An address a person entered; a placeholder such as test@example.com is stored but never compared. */
export const emailAddress = z.string().trim().transform((value, ctx) => {
  const email = normaliseEmail(value);
  if (email.kind !== 'invalid' && email.value !== undefined) return email.value;
  ctx.addIssue({ code: 'custom', message: 'must be a valid email address' });
  return z.NEVER;
});

/**
 * Text people enter: surrounding white space goes, except a tab or carriage return standing before `=`, `+`, `-`
 * or `@`. That is how spreadsheets neutralise a formula, so it is kept: the value never comes back as one.
 */
const text = (max: number) => z.string().min(1).max(max).transform(trimKeepingNeutraliser)
  .refine((value) => value !== '', 'must not be blank');

function trimKeepingNeutraliser(value: string): string {
  const neutraliser = /^[\t\r]+(?=[=+\-@])/.exec(value.replace(/^ +/, ''))?.[0] ?? '';
  return neutraliser + value.trim();
}
const customValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);

/** Editable contact fields; `null` clears one. */
export const contactFieldsSchema = z.object({
  name: text(200).nullable(),
  firstName: text(100).nullable(),
  lastName: text(100).nullable(),
  email: emailAddress.nullable(),
  phone: e164Phone.nullable(),
  avatarUrl: z.url().max(2048).nullable(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE').nullable(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or pt-BR').nullable(),
  timezone: text(64).nullable(),
  assignee: text(200).nullable(),
  lifecycleStage: z.enum(LIFECYCLE_STAGES),
  emailSubscription: z.enum(['subscribed', 'unsubscribed']),
  customFields: z.record(z.string(), customValue),
}).partial().strict();
export type ContactFieldsInput = z.infer<typeof contactFieldsSchema>;

export const createContactSchema = contactFieldsSchema.extend({ tags: z.array(text(100)).max(100).optional() })
  .refine((c) => c.name || c.firstName || c.lastName || c.email || c.phone,
    'a contact needs at least one of name, firstName, lastName, email or phone');

/** A sort of the contact list: a key of SORTS, `-` first for descending. */
export const sortSchema = z.enum(Object.keys(SORTS).flatMap((key) => [key, `-${key}`]) as [string, ...string[]]);

/** The longest free-text search, on every route that takes one: longer ones cost seconds and find nothing more. */
export const MAX_QUERY_LENGTH = 200;

export const searchSchema = filterSchema.extend({
  q: z.string().max(MAX_QUERY_LENGTH).optional(),
  sort: sortSchema.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  view: uuid.optional(),
}).strict();

export const mergeSchema = z.object({
  primaryId: uuid,
  secondaryIds: z.array(uuid).min(1).max(MAX_MERGE_CONTACTS - 1,
    `a merge takes at most ${MAX_MERGE_CONTACTS} contacts: the primary and up to ${MAX_MERGE_CONTACTS - 1} secondaries`),
  /** Per field (API name, or `custom.<key>`), the participant whose value the merged contact keeps. */
  fields: z.record(z.string(), uuid).optional(),
}).strict();

export const tagsSchema = z.object({ tags: z.array(text(100)).min(1).max(100) }).strict();
/** Which contacts a bulk action takes: listed ids, every live contact a filter (and free text) matches, or all. */
export const selectionSchema = z.union([
  z.object({ ids: z.array(uuid).min(1).max(100_000) }).strict(),
  z.object({ filter: filterSchema.strict(), q: z.string().max(MAX_QUERY_LENGTH).optional() }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export const bulkTagsSchema = z.object({
  contactIds: z.array(uuid).min(1).max(10_000).optional(),
  /** Instead of contactIds: every contact a filter (and free text) matches now, as the console's "all that match". */
  selection: selectionSchema.optional(),
  add: z.array(text(100)).max(100).default([]),
  remove: z.array(text(100)).max(100).default([]),
}).strict().refine((body) => (body.contactIds === undefined) !== (body.selection === undefined),
  { message: 'name the contacts with either contactIds or selection, not both', path: ['contactIds'] });
export const noteSchema = z.object({ body: z.string().trim().min(1).max(20_000) }).strict();
export const fieldDefinitionSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lower snake case, e.g. plan or account_id'),
  label: text(200),
  type: z.enum(['text', 'number', 'boolean', 'date', 'list']),
  options: z.array(text(200)).min(1).max(500).optional(),
}).strict().refine((f) => (f.type === 'list') === (f.options !== undefined), 'options are required for, and only for, list fields');
/** A view's filter as stored: conditions, match and an optional sort. */
export const savedFilterSchema = filterSchema.extend({ sort: sortSchema.optional() });

export const viewSchema = z.object({
  name: text(200),
  public: z.boolean().default(false),
  filter: filterSchema.extend({ sort: sortSchema.optional() }).strict(),
}).strict();
export const deleteContactsSchema = selectionSchema;
/** An origin a site's pages are served from: scheme, host and port, as browsers send it in `Origin`. */
const origin = z.url({ protocol: /^https?$/ }).refine((value) => new URL(value).origin === value,
  'must be an origin such as https://www.example.com (no path, no trailing slash)');

/** A web-chat site as the admin API takes it. */
export const webchatSiteSchema = z.object({
  name: text(200),
  allowedOrigins: z.array(origin).max(50).default([]),
  prechatFields: z.array(z.enum(['name', 'email', 'phone'])).max(3).refine((fields) => new Set(fields).size === fields.length,
    'name each field once').default([]),
  greeting: z.string().trim().max(500).nullable().default(null),
}).strict();
export const newWebchatSiteSchema = webchatSiteSchema.extend({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes, such as shop-eu'),
}).strict();

export const apiKeySchema = z.object({ name: text(200), role: z.enum(ROLES) }).strict();
