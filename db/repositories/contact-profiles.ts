import type { Knex } from 'knex';
import { query, type SqlParam } from '../sql.js';

/** A contact as the admin API shows it. */
export interface ContactJson {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  avatarUrl: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  lifecycleStage: string;
  assignee: string | null;
  emailSubscription: 'subscribed' | 'unsubscribed';
  customFields: Record<string, unknown>;
  tags: string[];
  blocked: boolean;
  blockedAt: string | null;
  lastInteractionAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ContactRow {
  id: string;
  display_name: string;
  name_generated: boolean;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  avatar_url: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  lifecycle_stage: string;
  assignee: string | null;
  email_subscription: 'subscribed' | 'unsubscribed';
  custom_fields: Record<string, unknown>;
  blocked_at: Date | null;
  last_interaction_at: Date | null;
  created_at: Date;
  updated_at: Date;
  merged_into: string | null;
  tags: string[];
}

/** Contact fields a person edits, by API name, with the column each lives in. */
export const EDITABLE_COLUMNS = {
  firstName: 'first_name', lastName: 'last_name', email: 'email', phone: 'phone', avatarUrl: 'avatar_url',
  country: 'country', language: 'language', timezone: 'timezone', assignee: 'assignee',
  lifecycleStage: 'lifecycle_stage', emailSubscription: 'email_subscription',
} as const;

/** Every column of `contacts c` plus its tag names, in a stable order. */
export const CONTACT_SELECT = `c.id, c.display_name, c.name_generated, c.first_name, c.last_name, c.email, c.phone,
  c.avatar_url, c.country, c.language, c.timezone, c.lifecycle_stage, c.assignee, c.email_subscription,
  c.custom_fields, c.blocked_at, c.last_interaction_at, c.created_at, c.updated_at, c.merged_into,
  ARRAY(SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.contact_id = c.id ORDER BY lower(t.name)) AS tags`;

export function toContactJson(row: ContactRow): ContactJson {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: row.id, name: row.display_name, firstName: row.first_name, lastName: row.last_name, email: row.email,
    phone: row.phone, avatarUrl: row.avatar_url, country: row.country, language: row.language,
    timezone: row.timezone, lifecycleStage: row.lifecycle_stage, assignee: row.assignee,
    emailSubscription: row.email_subscription, customFields: row.custom_fields, tags: row.tags,
    blocked: row.blocked_at !== null, blockedAt: iso(row.blocked_at), lastInteractionAt: iso(row.last_interaction_at),
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

export async function findContactRow(db: Knex | Knex.Transaction, id: string): Promise<ContactRow | undefined> {
  const [row] = await findContactRows(db, [id]);
  return row;
}

export async function findContactRows(db: Knex | Knex.Transaction, ids: string[]): Promise<ContactRow[]> {
  return query<ContactRow>(db, `SELECT ${CONTACT_SELECT} FROM contacts c WHERE c.id = ANY(?::uuid[])`, [ids]);
}

/**
 * Locks contacts for a change (in id order, so concurrent changes cannot deadlock) and returns them.
 * Merged-away contacts are returned too: callers decide what a merged participant means for them.
 */
export async function lockContactRows(trx: Knex.Transaction, ids: string[]): Promise<ContactRow[]> {
  return query<ContactRow>(trx,
    `SELECT ${CONTACT_SELECT} FROM contacts c WHERE c.id = ANY(?::uuid[]) ORDER BY c.id FOR UPDATE OF c`, [ids]);
}

export const SORTS = {
  name: { expression: 'lower(c.display_name)', type: 'text' },
  created: { expression: 'c.created_at', type: 'timestamptz' },
  updated: { expression: 'c.updated_at', type: 'timestamptz' },
  lastInteraction: { expression: "COALESCE(c.last_interaction_at, '-infinity'::timestamptz)", type: 'timestamptz' },
} as const;
export type SortKey = keyof typeof SORTS;
export interface Sort {
  key: SortKey;
  descending: boolean;
}

export interface ContactPage {
  contacts: ContactJson[];
  nextCursor: string | null;
}

/**
 * One page of live (not merged-away) contacts matching `where`, in keyset order: a cursor is the last row's
 * sort value and id, so pages stay stable while contacts are added.
 */
export async function listContacts(db: Knex, options: { where: { text: string; params: SqlParam[] }; sort: Sort;
  cursor?: string; limit: number }): Promise<ContactPage> {
  const { expression, type } = SORTS[options.sort.key];
  const direction = options.sort.descending ? 'DESC' : 'ASC';
  const after = options.cursor ? decodeCursor(options.cursor, options.sort.key) : undefined;
  const keyset = after
    ? { text: `AND (${expression}, c.id) ${options.sort.descending ? '<' : '>'} (?::${type}, ?::uuid)`, params: after }
    : { text: '', params: [] };
  const rows = await query<ContactRow & { sort_key: string }>(db,
    `SELECT ${CONTACT_SELECT}, (${expression})::text AS sort_key
       FROM contacts c
      WHERE c.merged_into IS NULL AND (${options.where.text}) ${keyset.text}
      ORDER BY ${expression} ${direction}, c.id ${direction}
      LIMIT ?`,
    [...options.where.params, ...keyset.params, options.limit + 1]);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    contacts: page.map(toContactJson),
    nextCursor: rows.length > options.limit && last ? encodeCursor([options.sort.key, last.sort_key, last.id]) : null,
  };
}

export class CursorError extends Error {
  override name = 'CursorError';
}

/** A cursor names its sort, so one from another ordering is refused rather than misread. */
function encodeCursor(position: [SortKey, string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: string, sort: SortKey): [string, string] {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('the cursor is not one this API returned');
  }
  if (!Array.isArray(position) || position.length !== 3 || !position.every((part) => typeof part === 'string')) {
    throw new CursorError('the cursor is not one this API returned');
  }
  const [cursorSort, value, id] = position as [string, string, string];
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new CursorError('the cursor is not one this API returned');
  if (cursorSort !== sort) throw new CursorError(`the cursor belongs to the sort \`${cursorSort}\`, not \`${sort}\``);
  return [value, id];
}
