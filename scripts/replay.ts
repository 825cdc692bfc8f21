/**
 * `npm run replay -- whatsapp <file.jsonl> [--account NAME]` publishes recorded WhatsApp Web events through
 * the same normaliser the `whatsapp` process uses. Each line is one `messages.upsert` payload as Baileys emits
 * it (`{"messages": [...], "type": "notify"}`; Buffers and Longs in their JSON form). Prints how many envelopes
 * it published and how many events it skipped, by reason. Reads the configuration the `whatsapp` process reads
 * (WHATSAPP_ACCOUNTS, WHATSAPP_GROUPS) and publishes to KAFKA_BROKERS, or to the local broker `npm start` runs.
 * Envelope ids come from the account and the message id, so replaying a file twice resolves each message once.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/index.js';
import { connectKafka, connectProducer } from '../config/kafka.js';
import { createLogger } from '../config/logger.js';
import type { Envelope } from '../connectors/envelope.js';
import { createPublisher } from '../connectors/publisher.js';
import type { Publish } from '../connectors/types.js';
import { normaliseUpsert, parseUpsert, type WhatsAppAccount } from '../connectors/whatsapp/normalise.js';

const USAGE = 'usage: npm run replay -- whatsapp <file.jsonl> [--account NAME]';
/** Envelopes published per send. */
const BATCH = 500;

export interface ReplayReport {
  published: number;
  /** Events that became no envelope, by reason (`unreadable` counts lines that are not an upsert at all). */
  skipped: Record<string, number>;
}

/** Normalises every line of a recording and publishes the envelopes; problems with a line are reported through `warn`, by line number. */
export async function replayWhatsApp(lines: AsyncIterable<string>, account: WhatsAppAccount, publish: Publish,
  warn: (message: string) => void = () => {}): Promise<ReplayReport> {
  const report: ReplayReport = { published: 0, skipped: {} };
  let pending: Envelope[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await publish(pending);
    report.published += pending.length;
    pending = [];
  };
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let normalised;
    try {
      normalised = normaliseUpsert(parseUpsert(JSON.parse(line)), account, new Date());
    } catch (error) {
      warn(`line ${number}: ${(error as Error).message}`);
      report.skipped.unreadable = (report.skipped.unreadable ?? 0) + 1;
      continue;
    }
    for (const event of normalised.skipped) report.skipped[event.reason] = (report.skipped[event.reason] ?? 0) + 1;
    pending.push(...normalised.envelopes);
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  return report;
}

/** The configured account to replay as: the one named, or the only one. */
export function replayAccount(config: Readonly<Config>, name: string | undefined): WhatsAppAccount {
  const accounts = config.whatsapp.accounts;
  const names = accounts.map((account) => account.name).join(', ');
  if (name === undefined) {
    if (accounts.length === 1) return accounts[0]!;
    throw new UsageError(accounts.length === 0 ? 'no WhatsApp account is configured: set WHATSAPP_ACCOUNTS (as for the whatsapp process)'
      : `several WhatsApp accounts are configured (${names}): name one with --account`);
  }
  const account = accounts.find((candidate) => candidate.name === name);
  if (!account) throw new UsageError(`--account ${name}: not in WHATSAPP_ACCOUNTS (${names || 'unset'})`);
  return account;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { account: { type: 'string' } } });
  const [channel, file, ...rest] = positionals;
  if (channel !== 'whatsapp' || !file || rest.length > 0) throw new UsageError(USAGE);
  const env = { ...process.env };
  if (!env.KAFKA_BROKERS) env.KAFKA_BROKERS = `127.0.0.1:${env.LOCAL_KAFKA_PORT ?? 9092}`;
  const config = loadConfig(env);
  const account = replayAccount(config, values.account);
  const logger = createLogger('warn', 'replay');
  const kafka = await connectKafka(config.kafka, logger);
  const producer = await connectProducer(kafka.kafka);
  try {
    const publisher = createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger });
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    const report = await replayWhatsApp(lines, account, (envelopes) => publisher.publish(envelopes),
      (message) => process.stderr.write(`${message}\n`));
    const skipped = Object.entries(report.skipped).sort(([a], [b]) => a.localeCompare(b));
    process.stdout.write(`published ${report.published} envelope(s) to ${config.kafka.topics.inbound} as WhatsApp account ${account.name}\n`);
    process.stdout.write(`skipped ${skipped.reduce((sum, [, count]) => sum + count, 0)} event(s)`
      + `${skipped.length ? `: ${skipped.map(([reason, count]) => `${reason} ${count}`).join(', ')}` : ''}\n`);
  } finally {
    await producer.disconnect();
    await kafka.disconnect();
  }
  return 0;
}

class UsageError extends Error {}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`${error instanceof UsageError ? error.message : (error as Error).message ?? String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
