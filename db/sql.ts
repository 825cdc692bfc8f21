import type { Knex } from 'knex';

type Scalar = string | number | boolean | Date | null;
/** A bound parameter: a scalar, or an array sent to Postgres as one array parameter (for `unnest`/`ANY`). */
export type SqlParam = Scalar | readonly Scalar[];

/** Runs parameterised SQL (`?` placeholders) and returns its rows. The one place raw SQL meets knex. */
export async function query<Row = never>(db: Knex | Knex.Transaction, text: string, params: SqlParam[]): Promise<Row[]> {
  const result = (await db.raw(text, params as unknown as Knex.RawBinding[])) as { rows: Row[] };
  return result.rows;
}

/** A parameterised SQL fragment (a WHERE condition over `contacts c`): `?` placeholders and their values, never values spliced into text. */
export interface SqlFragment {
  text: string;
  params: SqlParam[];
}
