import type { Knex } from 'knex';
import { query } from '../sql.js';

export interface JobJson {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  total: number;
  done: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface JobRow {
  id: string;
  kind: string;
  status: JobJson['status'];
  total: number;
  done: number;
  params: Record<string, unknown>;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const toJobJson = (row: JobRow): JobJson => ({ id: row.id, kind: row.kind, status: row.status, total: row.total,
  done: row.done, error: row.error, createdAt: row.created_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null });

export async function insertJob(trx: Knex.Transaction, job: { id: string; kind: string; total: number;
  params: Record<string, unknown>; createdBy: string; at: Date }): Promise<JobRow> {
  const [row] = await query<JobRow>(trx,
    `INSERT INTO jobs (id, kind, status, total, params, created_by, created_at) VALUES (?, ?, 'queued', ?, ?::jsonb, ?, ?)
     RETURNING *`, [job.id, job.kind, job.total, JSON.stringify(job.params), job.createdBy, job.at]);
  return row!;
}

export async function findJob(db: Knex | Knex.Transaction, id: string): Promise<JobRow | undefined> {
  const [row] = await query<JobRow>(db, 'SELECT * FROM jobs WHERE id = ?', [id]);
  return row;
}

/** Jobs a gateway should (re)start: queued ones, and running ones whose gateway may have died. */
export async function unfinishedJobs(db: Knex): Promise<JobRow[]> {
  return query<JobRow>(db, "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at", []);
}

export async function updateJob(db: Knex | Knex.Transaction, id: string,
  change: { status?: JobJson['status']; addDone?: number; error?: string; finishedAt?: Date }): Promise<void> {
  await query(db,
    `UPDATE jobs SET status = COALESCE(?, status), done = done + ?, error = COALESCE(?, error),
       finished_at = COALESCE(?::timestamptz, finished_at) WHERE id = ?`,
    [change.status ?? null, change.addDone ?? 0, change.error ?? null, change.finishedAt ?? null, id]);
}
