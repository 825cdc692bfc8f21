import type { Knex } from 'knex';

type Scalar = string | number | boolean | Date | Buffer | null;
/** A bound parameter: a scalar, or an array sent to Postgres as one array parameter (for `unnest`/`ANY`). */
export type SqlParam = Scalar | readonly Scalar[];

/** Runs parameterised SQL (`?` placeholders) and returns its rows. The one place raw SQL meets knex. */
export async function query<Row = never>(db: Knex | Knex.Transaction, text: string, params: SqlParam[]): Promise<Row[]> {
  const result = (await db.raw(text, params as unknown as Knex.RawBinding[])) as { rows: Row[] };
  return result.rows;
}

/*
 * The resolver's statements start with a name in a comment (`/* ledger.find *\/`): it shows in
 * pg_stat_activity and in the logs of a slow statement, and the bench times each statement by it.
 *
 * Look-ups by a batch of keys (the resolver's hot path) are written as
 *   FROM unnest(?::type[]) AS k(…) CROSS JOIN LATERAL (SELECT … FROM t WHERE t.key = k.key OFFSET 0) x
 * `OFFSET 0` keeps PostgreSQL from flattening the subquery into a join it may then plan as a hash join over a
 * sequential scan of the whole table, which it does whenever its statistics believe the table is small (as
 * during a drain that outgrows the last ANALYZE): one index look-up per key instead, whatever the statistics.
 */

/** A parameterised SQL fragment (a WHERE condition over `contacts c`): `?` placeholders and their values, never values spliced into text. */
export interface SqlFragment {
  text: string;
  params: SqlParam[];
}

/** Fragments that must all hold, as one (`TRUE` for none). */
export function allOf(parts: readonly SqlFragment[]): SqlFragment {
  if (parts.length === 0) return { text: 'TRUE', params: [] };
  return { text: parts.map((part) => `(${part.text})`).join(' AND '), params: parts.flatMap((part) => part.params) };
}

/**
 * Runs `work` in a read-only transaction whose statements PostgreSQL cancels after `timeoutMs` (SQLSTATE 57014,
 * see `isStatementTimeout`): for queries people shape themselves, such as searches, so none holds a connection
 * for minutes.
 */
export async function withStatementTimeout<T>(db: Knex, timeoutMs: number, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await query(trx, "SELECT set_config('statement_timeout', ?, true)", [String(timeoutMs)]);
    return work(trx);
  }, { readOnly: true });
}
