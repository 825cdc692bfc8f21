import type { Knex } from 'knex';
import { z } from 'zod';
import { query } from '../sql.js';

/** A list field's allowed values, stored as jsonb and read back through this schema: values are checked against them. */
const listOptions = z.array(z.string()).nullable();

export interface FieldDefinition {
  key: string;
  label: string;
  type: 'text' | 'number' | 'boolean' | 'date' | 'list';
  options?: string[];
}

export async function listFieldDefinitions(db: Knex | Knex.Transaction): Promise<FieldDefinition[]> {
  const rows = await query<{ key: string; label: string; type: FieldDefinition['type']; options: unknown }>(db,
    'SELECT key, label, type, options FROM field_definitions ORDER BY key', []);
  return rows.map((row) => {
    const options = listOptions.parse(row.options);
    return { key: row.key, label: row.label, type: row.type, ...(options ? { options } : {}) };
  });
}

/** Creates or redefines a field. Returns false when the key existed with a different type (values would lie). */
export async function upsertFieldDefinition(trx: Knex.Transaction, field: FieldDefinition): Promise<boolean> {
  const rows = await query<{ key: string }>(trx,
    `INSERT INTO field_definitions (key, label, type, options) VALUES (?, ?, ?, ?::jsonb)
     ON CONFLICT (key) DO UPDATE SET label = EXCLUDED.label, options = EXCLUDED.options
       WHERE field_definitions.type = EXCLUDED.type
     RETURNING key`,
    [field.key, field.label, field.type, field.options ? JSON.stringify(field.options) : null]);
  return rows.length === 1;
}

export async function deleteFieldDefinition(trx: Knex.Transaction, key: string): Promise<boolean> {
  const rows = await query<{ key: string }>(trx, 'DELETE FROM field_definitions WHERE key = ? RETURNING key', [key]);
  return rows.length === 1;
}
