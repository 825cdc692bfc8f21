import type { Knex } from 'knex';
import { query } from '../sql.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

export interface JobJson {
  id: string;
  kind: string;
  status: (typeof JOB_STATUSES)[number];
  total: number;
  done: number;
  error: string | null;
  /** What the job produced, once it has (an import's per-row report). */
  result?: unknown;
  createdAt: string;
  finishedAt: string | null;
}

export interface JobRow {
  id: string;
  kind: string;
  status: JobJson['status'];
  total: number;
  done: number;
  /** Stored as jsonb: each job kind reads it back through its own schema. */
  params: unknown;
  result: unknown;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
  request_hash: string | null;
}

const JOB_COLUMNS = 'id, kind, status, total, done, params, result, error, created_by, created_at, finished_at, request_hash';

export const toJobJson = (row: JobRow): JobJson => ({ id: row.id, kind: row.kind, status: row.status, total: row.total,
  done: row.done, error: row.error, ...(row.result === null ? {} : { result: row.result }), createdAt: row.created_at.toISOString(),
  finishedAt: row.finished_at?.toISOString() ?? null });

export interface NewJob {
  id: string;
  kind: string;
  total: number;
  params: unknown;
  createdBy: string;
  at: Date;
  /** With one, a second job of the same kind, creator and key is not created: the first is returned. */
  idempotencyKey?: string;
  requestHash?: string;
  /** The file the job works on (an import's CSV), kept until the job ends. */
  file?: Buffer;
}

/** Records a job (and its file); `created: false` with the existing job when its idempotency key was used before. */
export async function insertJob(trx: Knex.Transaction, job: NewJob): Promise<{ job: JobRow; created: boolean }> {
  const [row] = await query<JobRow>(trx,
    `INSERT INTO jobs (id, kind, status, total, params, created_by, created_at, idempotency_key, request_hash)
     VALUES (?, ?, 'queued', ?, ?::jsonb, ?, ?, ?, ?)
     ON CONFLICT (created_by, kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${JOB_COLUMNS}`,
    [job.id, job.kind, job.total, JSON.stringify(job.params), job.createdBy, job.at, job.idempotencyKey ?? null,
      job.requestHash ?? null]);
  if (!row) {
    const [existing] = await query<JobRow>(trx,
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE created_by = ? AND kind = ? AND idempotency_key = ?`,
      [job.createdBy, job.kind, job.idempotencyKey!]);
    return { job: existing!, created: false };
  }
  if (job.file) await query(trx, 'INSERT INTO job_files (job_id, content) VALUES (?, ?)', [row.id, job.file]);
  return { job: row, created: true };
}

export async function findJob(db: Knex | Knex.Transaction, id: string): Promise<JobRow | undefined> {
  const [row] = await query<JobRow>(db, `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`, [id]);
  return row;
}

export async function readJobFile(db: Knex | Knex.Transaction, id: string): Promise<Buffer | undefined> {
  const [row] = await query<{ content: Buffer }>(db, 'SELECT content FROM job_files WHERE job_id = ?', [id]);
  return row?.content;
}

/** Jobs a gateway should (re)start: queued ones, and running ones whose gateway may have died. */
export async function unfinishedJobs(db: Knex): Promise<JobRow[]> {
  return query<JobRow>(db, `SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at`, []);
}

/** Moves a job on; `result` replaces the stored one. Once a job has finished, its file is not needed and goes. */
export async function updateJob(db: Knex | Knex.Transaction, id: string,
  change: { status?: JobJson['status']; addDone?: number; error?: string; finishedAt?: Date; result?: unknown }): Promise<void> {
  await query(db,
    `UPDATE jobs SET status = COALESCE(?, status), done = done + ?, error = COALESCE(?, error),
       finished_at = COALESCE(?::timestamptz, finished_at), result = COALESCE(?::jsonb, result) WHERE id = ?`,
    [change.status ?? null, change.addDone ?? 0, change.error ?? null, change.finishedAt ?? null,
      change.result === undefined ? null : JSON.stringify(change.result), id]);
  if (change.finishedAt) await query(db, 'DELETE FROM job_files WHERE job_id = ?', [id]);
}
