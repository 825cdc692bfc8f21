import type { Knex } from 'knex';
import { isStatementTimeout } from '../db/errors.js';
import { listContacts, SORTS, type ContactJson, type ContactPage, type Sort, type SortKey } from '../db/repositories/contact-profiles.js';
import { identityKindsByContact } from '../db/repositories/identities.js';
import { findVisibleView } from '../db/repositories/views.js';
import { allOf } from '../db/sql.js';
import { channelOfStoredKind, type Channel } from '../identity/channels.js';
import { parseWith, PayloadError } from '../identity/parse.js';
import type { ContactsContext } from './change.js';
import { NotFoundError, SearchTimeoutError } from './errors.js';
import { compileFilter, conditionSchema, likePattern, type Condition, type Filter, type SqlFragment } from './filters.js';
import { savedFilterSchema } from './schema.js';

/** Finding contacts: a page of a query (filter, view, free text, sort, cursor). */
export function searchOperations({ db, clock, searchTimeoutMs }: ContactsContext) {
  return {
    /** A page of contacts, each with the channels it has an identity on (the list's icons). */
    page: async (query: ContactQuery, keyId: string): Promise<ContactListPage> => {
      const { where, viewSort } = await whereOf(db, query, keyId, clock());
      const page = await timeLimited(() => listContacts(db, { where, sort: parseSort(query.sort ?? viewSort), cursor: query.cursor,
        limit: query.limit, timeoutMs: searchTimeoutMs }));
      const kinds = await identityKindsByContact(db, page.contacts.map((contact) => contact.id));
      return { ...page, contacts: page.contacts.map((contact) =>
        ({ ...contact, channels: [...new Set((kinds.get(contact.id) ?? []).map(channelOfStoredKind))] })) };
    },
  };
}

export interface ContactListPage extends ContactPage {
  contacts: (ContactJson & { channels: Channel[] })[];
}

/** Runs a search; one that PostgreSQL cancelled for running too long is a SearchTimeoutError saying what to do. */
export async function timeLimited<T>(search: () => Promise<T>): Promise<T> {
  try {
    return await search();
  } catch (error) {
    if (!isStatementTimeout(error)) throw error;
    throw new SearchTimeoutError('the search took too long and was stopped: narrow it with more specific conditions or text');
  }
}

export interface ContactQuery {
  filter: Filter;
  /** Further conditions that must all hold (query-string shorthands such as `?blocked=true`). */
  also?: Condition[];
  /** Free text over name, email, phone, tags and custom field values. */
  q?: string;
  /** Only these contacts (the rows someone selected). */
  ids?: string[];
  /** A saved view whose filter is combined (AND) with this one. */
  viewId?: string;
  /** `name`, `-created`, …; without one, the view's sort, then newest first. */
  sort?: string;
  cursor?: string;
  limit: number;
}

/** The WHERE fragment for a query: its filter, its view's filter and its free text, all parameterised. */
export async function whereOf(db: Knex, query: Omit<ContactQuery, 'sort' | 'cursor' | 'limit'>, keyId: string, now: Date):
  Promise<{ where: SqlFragment; viewSort?: string }> {
  const parts = [matchWhere(query, now)];
  let viewSort: string | undefined;
  if (query.viewId) {
    const view = await findVisibleView(db, query.viewId, keyId);
    if (!view) throw new NotFoundError(`view ${query.viewId} does not exist or is private to another key`);
    // Stored JSON is read back through its schema: a view saved by an older version fails loudly, not oddly.
    const saved = parseWith(savedFilterSchema, view.filter, ['view', 'filter']);
    parts.push(compileFilter(saved, now));
    viewSort = saved.sort;
  }
  return { where: allOf(parts), viewSort };
}

/** What a query matches apart from its saved view: its filter, shorthand conditions, free text and listed ids. */
export function matchWhere(query: Partial<Pick<ContactQuery, 'filter' | 'also' | 'q' | 'ids'>>, now: Date): SqlFragment {
  return allOf([
    ...(query.filter ? [compileFilter(query.filter, now)] : []),
    ...(query.also?.length ? [compileFilter({ conditions: query.also, match: 'all' }, now)] : []),
    ...(query.q?.trim() ? [freeText(query.q.trim())] : []),
    ...(query.ids ? [{ text: 'c.id = ANY(?::uuid[])', params: [query.ids] }] : []),
  ]);
}

/** `name`, `-created`, …: a key of SORTS, descending with a leading `-`. */
export function parseSort(value: string | undefined, fallback: Sort = { key: 'created', descending: true }): Sort {
  if (value === undefined || value === '') return fallback;
  const key = value.replace(/^-/, '');
  if (!Object.hasOwn(SORTS, key)) throw new PayloadError(`sort: must be one of ${Object.keys(SORTS).join(', ')}, optionally with a leading -`, 'sort');
  return { key: key as SortKey, descending: value.startsWith('-') };
}

function freeText(q: string): SqlFragment {
  const pattern = likePattern(q);
  return {
    text: `c.display_name ILIKE ? ESCAPE '\\' OR c.email ILIKE ? ESCAPE '\\' OR c.phone ILIKE ? ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                  WHERE ct.contact_id = c.id AND t.name ILIKE ? ESCAPE '\\')
      OR EXISTS (SELECT 1 FROM jsonb_each_text(c.custom_fields) f WHERE f.value ILIKE ? ESCAPE '\\')`,
    params: [pattern, pattern, pattern, pattern, pattern],
  };
}

/** `GET /api/contacts` query parameters that are shorthands for conditions. */
export function shorthandConditions(params: Record<string, unknown>): Condition[] {
  const given: [string, unknown][] = [];
  if (params.blocked === 'true' || params.blocked === 'false') {
    given.push(['blocked', { field: 'blocked', op: 'is', value: params.blocked === 'true' }]);
  }
  if (params.tag !== undefined) given.push(['tag', { field: 'tag', op: 'has', value: params.tag }]);
  if (params.lifecycleStage !== undefined) given.push(['lifecycleStage', { field: 'lifecycleStage', op: 'is', value: params.lifecycleStage }]);
  if (params.assignee !== undefined) given.push(['assignee', { field: 'assignee', op: 'is', value: params.assignee }]);
  // Checked as the conditions they stand for: a repeated or overlong parameter is a 400 naming it.
  return given.map(([name, condition]) => parseWith(conditionSchema, condition, [name]));
}
