import type { Knex } from 'knex';
import { listFieldDefinitions, type FieldDefinition } from '../db/repositories/fields.js';
import { PayloadError } from '../identity/parse.js';

export type CustomFields = Record<string, string | number | boolean | null>;

export type FieldDefinitions = ReadonlyMap<string, FieldDefinition>;

export async function loadFieldDefinitions(db: Knex | Knex.Transaction): Promise<FieldDefinitions> {
  return new Map((await listFieldDefinitions(db)).map((field) => [field.key, field]));
}

/**
 * Custom fields must be defined at `/api/fields` and hold a value of their type; `null` removes one.
 * `fromText`: the values arrive as text (a CSV import) and are read as their field's type.
 */
export function checkCustomFields(definitions: FieldDefinitions, current: Record<string, unknown>, patch: Record<string, unknown>,
  fromText = false): CustomFields {
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
