/**
 * `npm start` for a developer machine: a local Kafka (unless KAFKA_BROKERS is set), the database created
 * and migrated, then the gateway and the resolver (and the Telegram poller when TELEGRAM_MODE=polling) as
 * child processes. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { release } from '../db/migrate.js';
import { generateApiKey } from '../db/repositories/api-keys.js';
import { startLocalKafka, type LocalKafka } from './kafka/local-kafka.js';

const DEV_OWNER_KEY_FILE = join('.kafka', 'dev-owner-key');
const logger = createLogger(process.env.LOG_LEVEL ?? 'info', 'dev');
const env: NodeJS.ProcessEnv = { ...process.env };
let kafka: LocalKafka | undefined;
const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  if (!env.KAFKA_BROKERS) {
    kafka = await startLocalKafka({ name: 'dev', port: Number(env.LOCAL_KAFKA_PORT ?? 9092), log: (line) => logger.info(line) });
    env.KAFKA_BROKERS = kafka.brokers;
  }
  // The key itself never goes to the log: point at where it is kept instead.
  const keySource = env.OWNER_API_KEY ? '$OWNER_API_KEY' : `$(cat ${DEV_OWNER_KEY_FILE})`;
  env.OWNER_API_KEY ??= devOwnerKey();
  const config = loadConfig(env);
  await release(config.database, logger.child({ module: 'migrate' }));
  logger.info(`try: curl -sS -X POST http://${config.http.host}:${config.http.port}/v1/messages ` +
    `-H "Authorization: Bearer ${keySource}" -H 'Content-Type: application/json' ` +
    `-d '{"id":"m1","account":"demo","sender":{"id":"u1","name":"Ada"},"text":"hello"}'`);

  const processes: [string, string][] = [['gateway', 'gateway/main.ts'], ['resolver', 'resolvers/identity/main.ts']];
  // Without a public URL Telegram cannot call the gateway: the `telegram` process fetches updates instead.
  if (config.webhooks.telegram?.mode === 'polling') processes.push(['telegram', 'streams/telegram.ts']);
  for (const [name, entry] of processes) {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: 'inherit' });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        logger.error({ process: name, code, signal }, 'a process exited; stopping the others');
        void stop(1);
      }
    });
    children.push(child);
  }
}

/** A stable owner key for local use, kept in `.kafka/` beside the local broker (never committed). */
function devOwnerKey(): string {
  const file = DEV_OWNER_KEY_FILE;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync('.kafka', { recursive: true });
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((child) => new Promise<void>((exited) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited();
    child.once('exit', () => exited());
    child.kill('SIGTERM');
  })));
  await kafka?.stop();
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch(async (error: unknown) => {
  logger.fatal({ err: error }, 'npm start failed');
  await stop(1);
});
