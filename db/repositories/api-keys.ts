import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { query } from '../sql.js';

export const ROLES = ['owner', 'manager', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
}

/** Keys are long random strings, so a plain SHA-256 is a safe one-way hash; the key itself is never stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `trb_${randomBytes(24).toString('base64url')}`;
}

export async function findApiKey(db: Knex, key: string): Promise<ApiKey | undefined> {
  const [row] = await query<ApiKey>(db,
    'SELECT id, name, role FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL', [hashApiKey(key)]);
  return row;
}

export async function revokeApiKey(db: Knex, id: string, at: Date): Promise<void> {
  await query(db, 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
}

export async function createApiKey(db: Knex, input: { name: string; role: Role; key?: string; createdBy?: string }):
  Promise<ApiKey & { key: string }> {
  const key = input.key ?? generateApiKey();
  const [row] = await query<ApiKey>(db,
    `INSERT INTO api_keys (name, role, key_hash, created_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL
     RETURNING id, name, role`,
    [input.name, input.role, hashApiKey(key), input.createdBy ?? null]);
  return { ...row!, key };
}

export interface ApiKeyRecord extends ApiKey {
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export async function listApiKeys(db: Knex): Promise<ApiKeyRecord[]> {
  const rows = await query<{ id: string; name: string; role: Role; created_by: string | null; created_at: Date; revoked_at: Date | null }>(db,
    'SELECT id, name, role, created_by, created_at, revoked_at FROM api_keys ORDER BY created_at, id', []);
  return rows.map((row) => ({ id: row.id, name: row.name, role: row.role, createdBy: row.created_by,
    createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null }));
}
