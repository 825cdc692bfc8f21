import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type pg from 'pg';

type Scalar = string | number | boolean | Date | Buffer | null;
/** A bound parameter: a scalar, or an array sent to Postgres as one array parameter (for `unnest`/`ANY`). */
export type SqlParam = Scalar | readonly Scalar[];

/**
 * Runs parameterised SQL (`?` placeholders) and returns its rows. The one place raw SQL meets the driver: knex,
 * or pg itself in a `DirectTransaction`.
 * A statement that starts with its name in a comment (`/* batch.open *\/`, the resolver's) is prepared once per
 * connection and planned once PostgreSQL settles on a generic plan, instead of parsed and planned on every call.
 */
export async function query<Row = never>(db: Knex | Transaction, text: string, params: SqlParam[]): Promise<Row[]> {
  const values = params.map((param) => (Array.isArray(param) ? arrayLiteral(param) : param));
  if (db instanceof DirectTransaction) return db.statement<Row>(text, values);
  const raw = db.raw(text, values as Knex.RawBinding[]);
  const prepared = text.startsWith('/* ') ? describe(text).prepared : undefined;
  const result = (await (prepared ? raw.options({ name: prepared }) : raw)) as { rows: Row[] };
  return result.rows;
}

/** Told each statement a direct transaction on its database ran, BEGIN and COMMIT included, and how long it took. */
export type StatementListener = (text: string, milliseconds: number) => void;
const statementListeners = new WeakMap<Knex, Set<StatementListener>>();

/**
 * Times the statements of `DirectTransaction`s on `db` (the resolver's per-statement metric, the bench's
 * per-statement figures); returns the undo.
 */
export function onStatement(db: Knex, listener: StatementListener): () => void {
  const listeners = statementListeners.get(db) ?? new Set();
  statementListeners.set(db, listeners.add(listener));
  return () => void listeners.delete(listener);
}

/** What a statement is called in metrics and timings: its leading `/* name *\/`, else its first word (BEGIN, COMMIT). */
export function statementName(text: string): string {
  return describe(text).name;
}

interface PooledClient {
  acquireConnection(): Promise<pg.ClientBase>;
  releaseConnection(connection: pg.ClientBase): Promise<unknown>;
}

/**
 * A transaction on one of knex's pooled connections whose statements go to pg directly. Knex's machinery around
 * each statement and around BEGIN and COMMIT (its runner, events, the transaction's promise chain) cost the
 * resolver ~0.7 ms of CPU a batch, ~18 µs a message at 40 a batch, which at moderate rates is what batches are.
 * The pool is knex's, so the connection limit and a broken connection's disposal are shared with it.
 */
export class DirectTransaction {
  private constructor(private readonly connection: pg.ClientBase, private readonly listeners: ReadonlySet<StatementListener> | undefined) {}

  /**
   * Runs `work` between BEGIN and COMMIT (ROLLBACK when it throws) on a connection borrowed from `db`'s pool, with
   * `settings` in force for this transaction only (`SET LOCAL`, sent with BEGIN: no round trip of their own).
   */
  static async run<T>(db: Knex, work: (trx: DirectTransaction) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
    const pool = db.client as PooledClient;
    const trx = new DirectTransaction(await pool.acquireConnection(), statementListeners.get(db));
    try {
      await trx.statement(['BEGIN', ...Object.entries(settings).map(([name, value]) => {
        if (!/^[a-z_]+(\.[a-z_]+)?$/.test(name)) throw new TypeError(`not a setting's name: ${name}`);
        return `SET LOCAL ${name} = ${trx.connection.escapeLiteral(value)}`;
      })].join('; '), []);
      let result: T;
      try {
        result = await work(trx);
      } catch (error) {
        // A connection that broke cannot roll back; knex's pool drops it (it saw the error) instead of lending it.
        await trx.statement('ROLLBACK', []).catch(() => {});
        throw error;
      }
      await trx.statement('COMMIT', []);
      return result;
    } finally {
      await pool.releaseConnection(trx.connection);
    }
  }

  /** Runs one statement (`?` placeholders, values as `query` prepares them), prepared when it is named. */
  async statement<Row>(text: string, values: unknown[]): Promise<Row[]> {
    const { prepared, numbered } = describe(text);
    const started = this.listeners?.size ? performance.now() : 0;
    const result = await this.connection.query<Row & pg.QueryResultRow>({ text: numbered, values, ...(prepared ? { name: prepared } : {}) });
    if (this.listeners?.size) {
      const milliseconds = performance.now() - started;
      for (const listener of this.listeners) listener(text, milliseconds);
    }
    return result.rows;
  }
}

/** Statements in a transaction: knex's, or a `DirectTransaction` (the resolver's). */
export type Transaction = Knex.Transaction | DirectTransaction;

/**
 * An array parameter as PostgreSQL's array literal, `{a,b,"c d"}`, quoting only the elements that need it. pg
 * quotes and escapes every element (two regular expressions each) and formats each Date by hand: at a thousand
 * messages a batch that was a tenth of the resolver's JavaScript. An array of Buffers is left to pg.
 */
function arrayLiteral(values: readonly Scalar[]): string | readonly Scalar[] {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (index > 0) literal += ',';
    if (value === null) literal += 'NULL';
    else if (typeof value === 'string') literal += isPlain(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
    else if (typeof value === 'number' || typeof value === 'boolean') literal += String(value);
    else if (value instanceof Date) literal += value.toISOString();
    else if (value === undefined) throw new TypeError(`undefined at index ${index} of an array parameter`);
    else return values;
  }
  return `${literal}}`;
}

/** Needs no quotes in an array literal: not empty, no space, brace, comma, quote or backslash, and not `NULL`. */
const isPlain = (value: string) => PLAIN.test(value) && !(value.length === 4 && /^null$/i.test(value));
const PLAIN = /^[\w.:@+-]+$/;

/** What is worked out from a statement's text: once for a named one, whose text is fixed. */
interface StatementText {
  /** Its leading `/* name *\/`, else its first word in capitals (BEGIN, COMMIT). */
  name: string;
  /**
   * The prepared statement's name for a named statement (its name and a hash of the text, so that a variant text
   * gets its own and two copies of this module in one process agree); undefined for any other SQL.
   */
  prepared: string | undefined;
  /** The text with pg's `$1, $2, …` for `?`, as knex numbers them (an escaped `\\?` stays a literal `?`). */
  numbered: string;
}

const namedTexts = new Map<string, StatementText>();

function describe(text: string): StatementText {
  const known = namedTexts.get(text);
  if (known) return known;
  const label = /^\/\* ([\w.]+) \*\//.exec(text)?.[1];
  // Past a thousand named texts they are not fixed after all: the rest run unprepared rather than all be held.
  const kept = label !== undefined && namedTexts.size < 1_000;
  const described: StatementText = {
    name: label ?? /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'other',
    prepared: kept ? `${label}#${createHash('sha1').update(text).digest('hex').slice(0, 16)}` : undefined,
    numbered: numberPlaceholders(text),
  };
  if (kept) namedTexts.set(text, described);
  return described;
}

function numberPlaceholders(text: string): string {
  let count = 0;
  return text.replace(/(\\*)(\?)/g, (_match, escapes: string) => (escapes.length % 2 ? '?' : `$${++count}`));
}

/*
 * The resolver's statements start with a name in a comment (`/* batch.open *\/`): it shows in
 * pg_stat_activity and in the logs of a slow statement, and the bench times each statement by it.
 *
 * Look-ups by a batch of keys (the resolver's hot path) are written as
 *   FROM unnest(?::type[]) AS k(…) CROSS JOIN LATERAL (SELECT … FROM t WHERE t.key = k.key OFFSET 0) x
 * `OFFSET 0` keeps PostgreSQL from flattening the subquery into a join it may then plan as a hash join over a
 * sequential scan of the whole table, which it does whenever its statistics believe the table is small (as
 * during a drain that outgrows the last ANALYZE): one index look-up per key instead. Not whatever the statistics:
 * a table ANALYZEd while empty is planned as empty, and each look-up then scans it; the resolver's maintenance
 * (resolvers/maintenance.ts) ANALYZEs a hot table once 1,000 rows or a tenth of it changed, and its transactions
 * price scans out (`INDEX_LOOK_UPS_ONLY` in resolvers/identity/resolve.ts) for the plans made in between.
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

/**
 * One part of a statement built from parts: a common table expression `name AS (text)` and its parameters.
 * Writes to different tables that need nothing from each other go into one statement this way, one round trip
 * instead of one each; PostgreSQL runs every data-modifying part to completion whether or not it is read, in
 * one snapshot (a part does not see another's rows: what must see them is a later statement).
 */
export interface Cte extends SqlFragment {
  name: string;
  /** What the statement returns of this part: a column of its one row, `returns.column`, computed by `returns.sql`. */
  returns?: { column: string; sql: string };
}

/** `/* label *\/ WITH a AS (…), b AS (…) SELECT <what each part returns>`, its parameters in the parts' order. */
export function withCtes(label: string, ctes: readonly Cte[]): SqlFragment {
  const columns = ctes.flatMap((cte) => (cte.returns ? [`${cte.returns.sql} AS ${cte.returns.column}`] : []));
  return { text: `/* ${label} */ WITH ${ctes.map((cte) => `${cte.name} AS (${cte.text})`).join(',\n')}\nSELECT ${columns.join(', ') || '1'}`,
    params: ctes.flatMap((cte) => cte.params) };
}
