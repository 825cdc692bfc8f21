import type { Knex } from 'knex';
import { query } from '../sql.js';

export interface Note {
  id: string;
  contactId: string;
  body: string;
  author: { keyId: string | null; name: string };
  createdAt: string;
}

interface NoteRow {
  id: string;
  contact_id: string;
  body: string;
  author_key_id: string | null;
  author_name: string;
  created_at: Date;
}

const toNote = (row: NoteRow): Note => ({ id: row.id, contactId: row.contact_id, body: row.body,
  author: { keyId: row.author_key_id, name: row.author_name }, createdAt: row.created_at.toISOString() });

export async function addNote(trx: Knex.Transaction, note: { contactId: string; body: string; authorKeyId: string;
  authorName: string; at: Date }): Promise<Note> {
  const [row] = await query<NoteRow>(trx,
    `INSERT INTO notes (contact_id, body, author_key_id, author_name, created_at) VALUES (?, ?, ?, ?, ?)
     RETURNING id, contact_id, body, author_key_id, author_name, created_at`,
    [note.contactId, note.body, note.authorKeyId, note.authorName, note.at]);
  return toNote(row!);
}

/** A contact's notes, oldest first (after a merge, the secondaries' notes interleave by time). */
export async function listNotes(db: Knex, contactId: string): Promise<Note[]> {
  const rows = await query<NoteRow>(db,
    `SELECT id, contact_id, body, author_key_id, author_name, created_at FROM notes
      WHERE contact_id = ? ORDER BY created_at, id`, [contactId]);
  return rows.map(toNote);
}

export async function countNotes(db: Knex | Knex.Transaction, contactId: string): Promise<number> {
  const [row] = await query<{ notes: number }>(db, 'SELECT count(*)::int AS notes FROM notes WHERE contact_id = ?', [contactId]);
  return row?.notes ?? 0;
}
