import type { Knex } from 'knex';
import { EDITABLE_COLUMNS, findContactRow, lockContactRows, toContactJson, type ContactJson, type ContactRow }
  from '../../db/repositories/contact-profiles.js';
import { listFieldDefinitions, type FieldDefinition } from '../../db/repositories/fields.js';
import { addPointsAndFlagDuplicates } from '../../db/repositories/suggestions.js';
import { tagContacts } from '../../db/repositories/tags.js';
import { query } from '../../db/sql.js';
import { ConflictError, NotFoundError, PayloadError } from '../errors.js';
import type { ChangeContext } from './change.js';
import type { ContactFieldsInput } from './schema.js';

/** `fromText`: custom field values arrive as text (a CSV import) and are read as their field's type. */
export async function createContact(ctx: ChangeContext, input: ContactFieldsInput & { tags?: string[] },
  options: { fromText?: boolean } = {}): Promise<ContactJson> {
  const customFields = await checkCustomFields(ctx.trx, {}, input.customFields ?? {}, options.fromText);
  const [{ id } = { id: '' }] = await query<{ id: string }>(ctx.trx,
    `INSERT INTO contacts (id, display_name, name_generated, created_at, updated_at)
     VALUES (gen_random_uuid(), ?, false, ?, ?) RETURNING id`,
    [displayName(input) ?? '', ctx.now, ctx.now]);
  await writeFields(ctx, id, { ...input, customFields }, undefined);
  await tagContacts(ctx.trx, [id], input.tags ?? [], ctx.now);
  const contact = toContactJson((await findContactRow(ctx.trx, id))!);
  ctx.audit({ action: 'contact.created', targetType: 'contact', targetId: id, after: contact });
  return contact;
}

export async function updateContact(ctx: ChangeContext, id: string, patch: ContactFieldsInput): Promise<ContactJson> {
  const current = await lockLiveContact(ctx.trx, id);
  const customFields = patch.customFields ? await checkCustomFields(ctx.trx, current.custom_fields, patch.customFields) : undefined;
  await writeFields(ctx, id, { ...patch, customFields }, current);
  const contact = toContactJson((await findContactRow(ctx.trx, id))!);
  ctx.audit({ action: 'contact.updated', targetType: 'contact', targetId: id, before: toContactJson(current), after: contact });
  return contact;
}

/** Locks a contact for a change; a merged-away contact cannot be changed (its survivor can). */
export async function lockLiveContact(trx: Knex.Transaction, id: string): Promise<ContactRow> {
  const [row] = await lockContactRows(trx, [id]);
  if (!row) throw new NotFoundError(`contact ${id} does not exist`);
  if (row.merged_into) throw new ConflictError(`contact ${id} was merged into ${row.merged_into}`, { mergedInto: row.merged_into });
  return row;
}

/**
 * Writes the given fields. An email or phone a person enters becomes a trusted contact point (later inbound
 * messages from exactly that address join this contact) and is compared with other contacts for duplicates.
 */
async function writeFields(ctx: ChangeContext, id: string, input: ContactFieldsInput, current: ContactRow | undefined) {
  const sets: string[] = [];
  const params: (string | null)[] = [];
  for (const [field, column] of Object.entries(EDITABLE_COLUMNS) as [keyof typeof EDITABLE_COLUMNS, string][]) {
    if (input[field] === undefined) continue;
    sets.push(`${column} = ?`);
    params.push(input[field]);
  }
  const name = nameAfter(input, current);
  if (name) {
    sets.push('display_name = ?, name_generated = false');
    params.push(name);
  }
  if (input.customFields) {
    sets.push('custom_fields = ?::jsonb');
    params.push(JSON.stringify(input.customFields));
  }
  if (sets.length > 0) {
    await query(ctx.trx, `UPDATE contacts SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...params, ctx.now, id]);
  }
  const points: { kind: 'email' | 'phone'; value: string }[] = [];
  for (const kind of ['email', 'phone'] as const) {
    const value = input[kind];
    if (value === undefined) continue;
    const previous = current?.[kind];
    if (previous && previous !== value) {
      await query(ctx.trx, "DELETE FROM contact_points WHERE contact_id = ? AND kind = ? AND value = ? AND source = 'manual'",
        [id, kind, previous]);
    }
    if (value) points.push({ kind, value });
  }
  await query(ctx.trx,
    `UPDATE contact_points SET source = 'manual' WHERE contact_id = ?
        AND (kind, value) IN (SELECT * FROM unnest(?::text[], ?::text[]))`,
    [id, points.map((p) => p.kind), points.map((p) => p.value)]);
  await addPointsAndFlagDuplicates(ctx.trx,
    points.map((point) => ({ ...point, source: 'manual' as const, contactId: id, envelopeId: null })), ctx.now);
}

function displayName(input: ContactFieldsInput): string | undefined {
  return input.name ?? joinName(input.firstName, input.lastName) ?? input.email ?? input.phone ?? undefined;
}

/** An explicit name wins; otherwise a changed first or last name renames the contact. */
function nameAfter(input: ContactFieldsInput, current: ContactRow | undefined): string | null | undefined {
  if (input.name !== undefined) return input.name;
  if (input.firstName === undefined && input.lastName === undefined) return undefined;
  return joinName(input.firstName === undefined ? current?.first_name : input.firstName,
    input.lastName === undefined ? current?.last_name : input.lastName);
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  return [first, last].filter(Boolean).join(' ') || undefined;
}

type CustomFields = NonNullable<ContactFieldsInput['customFields']>;

/** Custom fields must be defined at `/api/fields` and hold a value of their type; `null` removes one. */
async function checkCustomFields(trx: Knex.Transaction, current: Record<string, unknown>, patch: Record<string, unknown>,
  fromText = false): Promise<CustomFields> {
  const definitions = new Map((await listFieldDefinitions(trx)).map((field) => [field.key, field]));
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const field = `customFields.${key}`;
    const definition = definitions.get(key);
    if (!definition) throw new PayloadError(`${field}: no custom field \`${key}\` is defined (see /api/fields)`, field);
    if (value === null) {
      delete next[key];
      continue;
    }
    const typed = fromText && typeof value === 'string' ? fromTextValue(definition, value) : value;
    const problem = typeProblem(definition, typed);
    if (problem) throw new PayloadError(`${field}: ${problem}`, field);
    next[key] = typed;
  }
  return next as CustomFields;
}

function fromTextValue(definition: FieldDefinition, value: string): unknown {
  if (definition.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (definition.type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function typeProblem(definition: FieldDefinition, value: unknown): string | undefined {
  switch (definition.type) {
    case 'text': return typeof value === 'string' ? undefined : 'must be text';
    case 'number': return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean': return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date': return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
      ? undefined : 'must be a date such as 2026-11-22';
    case 'list': return typeof value === 'string' && definition.options?.includes(value)
      ? undefined : `must be one of ${definition.options?.map((o) => JSON.stringify(o)).join(', ')}`;
  }
}
