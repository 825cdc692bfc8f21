/** A transaction that lost a serialisation or deadlock race: it did nothing and can be run again as is. */
const CONFLICT_SQLSTATES = ['40001', '40P01'];
/** SQLSTATE classes and codes that mean "try again": the server went away, or lost a race. */
const RETRIABLE_SQLSTATES = ['08', '53', '57P01', '57P02', '57P03', ...CONFLICT_SQLSTATES, '55P03'];
const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when a database error is worth retrying: an outage or a transient conflict, not a bad statement. */
export function isRetriableDbError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string') {
    if (RETRIABLE_NODE_CODES.has(code)) return true;
    if (RETRIABLE_SQLSTATES.some((prefix) => code.startsWith(prefix))) return true;
  }
  return typeof message === 'string' && /Connection terminated|connection.*(closed|ended)/i.test(message);
}

/**
 * True when a transaction was rolled back for losing a race. Unlike a lost connection (where the commit may
 * or may not have happened), re-running it cannot apply a change twice.
 */
export function isTransactionConflict(error: unknown): boolean {
  return CONFLICT_SQLSTATES.includes((error as { code?: unknown } | null)?.code as string);
}

/** True when PostgreSQL cancelled a statement that ran past its `statement_timeout`. */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}

/**
 * A database error in one line a person can act on: PostgreSQL's own sentence and its SQLSTATE, without the
 * statement knex puts in front of it (long, and the same for every record of a batch).
 */
export function describeDbError(error: unknown): string {
  const { message, code } = error as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const sentence = typeof code === 'string' && text.includes(' - ') ? text.slice(text.lastIndexOf(' - ') + 3) : text;
  return typeof code === 'string' ? `${sentence} (SQLSTATE ${code})` : sentence;
}
