import { ImapFlow } from 'imapflow';
import type { Logger } from '../../config/logger.js';
import type { Envelope } from '../envelope.js';
import { NeedsActionError } from '../errors.js';
import { SILENT_REPORT, type ConnectorStateStore, type SkippedEvent, type StreamConnector, type StreamReport } from '../types.js';
import type { MailboxSettings } from './config.js';
import { normaliseMail } from './normalise.js';
import { parseMail } from './parse.js';
import { fetchedMessageSchema, type FetchedMessage } from './schema.js';
import { folderPosition, type FolderPosition } from './position.js';

export interface ImapConnectorDeps {
  mailbox: MailboxSettings;
  folder: string;
  /** Where the folder's position (UIDVALIDITY, last UID published) survives restarts. */
  store: ConnectorStateStore;
  logger: Logger;
  clock: () => Date;
  /** Messages fetched, published and confirmed together. */
  batchSize?: number;
}

/**
 * One IMAP folder as a stream: every message a customer sent becomes an envelope, in UID order. New mail arrives
 * through IDLE, with a periodic look as a fallback. The position advances only after Kafka acknowledged the
 * batch, so a crash or an outage loses nothing and a restart publishes nothing twice (envelope ids come from
 * `Message-ID` or the raw message's hash, so even a rescan after a UIDVALIDITY change resolves each mail once).
 * Messages are never deleted or moved; they are flagged `\Seen` only when the mailbox is configured to.
 */
export function createImapConnector(deps: ImapConnectorDeps): StreamConnector {
  const { mailbox, folder } = deps;
  const log = deps.logger.child({ module: 'imap', mailbox: mailbox.address, folder });
  const batchSize = deps.batchSize ?? 100;
  const identity = { address: mailbox.address, own: new Set([mailbox.address, ...mailbox.aliases]) };

  return {
    name: 'email',
    account: mailbox.folders.length > 1 ? `${mailbox.address}/${folder}` : mailbox.address,
    async run(publish, signal, report = SILENT_REPORT) {
      report.state({ state: 'connecting' });
      const client = await connect(signal);
      const closed = new Promise<never>((_, fail) => client.once('close', () => fail(new Error(`the IMAP connection to ${mailbox.host} closed`))));
      closed.catch(() => undefined);
      const stop = () => void client.logout().catch(() => client.close());
      signal.addEventListener('abort', stop, { once: true });
      try {
        // Selected without a lock: imapflow goes into IDLE only while no lock is held, and this loop is the
        // connection's only user.
        await client.mailboxOpen(folder);
        let position = await startingPosition(client);
        report.state({ state: 'live' });
        while (!signal.aborted) {
          position = await catchUp(client, position, publish, report);
          await Promise.race([newMail(client, signal), closed]);
        }
      } finally {
        signal.removeEventListener('abort', stop);
        if (client.usable) await client.logout().catch(() => client.close());
      }
    },
  };

  async function connect(signal: AbortSignal): Promise<ImapFlow> {
    const client = new ImapFlow({
      host: mailbox.host, port: mailbox.port, secure: mailbox.secure, doSTARTTLS: mailbox.secure ? undefined : mailbox.starttls,
      auth: mailbox.auth, logger: false, connectionTimeout: 30_000, greetingTimeout: 15_000, socketTimeout: 5 * 60_000,
      maxIdleTime: mailbox.pollIntervalS * 1000, missingIdleCommand: 'NOOP', autoIdleDelay: 1_000,
    });
    // Errors also close the connection, which the loop notices; without a listener one would end the process.
    client.on('error', (error: Error) => log.debug({ err: error }, 'IMAP connection error'));
    try {
      await client.connect();
    } catch (error) {
      client.close();
      if ((error as { authenticationFailed?: boolean }).authenticationFailed) {
        throw new NeedsActionError(`the IMAP server ${mailbox.host} refused the login of ${mailbox.address}: `
          + 'check its password or access token in EMAIL_MAILBOXES (Gmail and Outlook need an app password or an OAuth2 token)');
      }
      throw error;
    }
    if (signal.aborted) await client.logout().catch(() => client.close());
    return client;
  }

  /** Where to go on from: the stored position, or the start of the folder when UIDVALIDITY changed (a rescan). */
  async function startingPosition(client: ImapFlow): Promise<FolderPosition> {
    const uidValidity = String(client.mailbox ? client.mailbox.uidValidity : 0);
    const stored = folderPosition(await deps.store.get(folder));
    if (stored && stored.uidValidity === uidValidity) return stored;
    if (stored) log.warn({ was: stored.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: reading the folder again; envelope ids keep it from resolving twice');
    return { uidValidity, lastUid: 0 };
  }

  /** Publishes every message after the position, a batch at a time, confirming each batch after Kafka acknowledged it. */
  async function catchUp(client: ImapFlow, position: FolderPosition, publish: (envelopes: Envelope[]) => Promise<void>,
    report: StreamReport): Promise<FolderPosition> {
    const uids = ((await client.search({ uid: `${position.lastUid + 1}:*` }, { uid: true })) || [])
      .filter((uid) => uid > position.lastUid).sort((a, b) => a - b);
    let current = position;
    for (let start = 0; start < uids.length; start += batchSize) {
      const batch = uids.slice(start, start + batchSize);
      const messages: unknown[] = [];
      for await (const message of client.fetch(batch.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
        messages.push({ uid: message.uid, source: message.source, internalDate: message.internalDate ? new Date(message.internalDate) : undefined });
      }
      const { envelopes, skipped } = await normaliseAll(messages);
      await publish(envelopes);
      current = { uidValidity: current.uidValidity, lastUid: batch.at(-1)! };
      await deps.store.set({ [folder]: current });
      if (mailbox.markSeen) await client.messageFlagsAdd(batch.join(','), ['\\Seen'], { uid: true });
      report.published(envelopes.length);
      report.skipped(skipped);
    }
    return current;
  }

  async function normaliseAll(fetched: unknown[]): Promise<{ envelopes: Envelope[]; skipped: SkippedEvent[] }> {
    const envelopes: Envelope[] = [];
    const skipped: SkippedEvent[] = [];
    const messages = fetched.flatMap((candidate): FetchedMessage[] => {
      const parsed = fetchedMessageSchema.safeParse(candidate);
      if (parsed.success) return [parsed.data];
      log.error({ uid: (candidate as { uid?: unknown }).uid }, 'the server sent a message without its content; skipped, it stays in the mailbox');
      skipped.push({ reason: 'unreadable', type: 'message' });
      return [];
    }).sort((a, b) => a.uid - b.uid);
    for (const message of messages) {
      let facts;
      try {
        facts = await parseMail(message.source);
      } catch (error) {
        // It stays in the mailbox, untouched: a person can read it there.
        log.error({ uid: message.uid, problem: (error as Error).message }, 'a message that cannot be read was skipped; it stays in the mailbox');
        skipped.push({ reason: 'unreadable', type: 'message' });
        continue;
      }
      const normalised = normaliseMail(facts, message.source, identity, message.internalDate, deps.clock());
      envelopes.push(...normalised.envelopes);
      skipped.push(...normalised.skipped);
      for (const event of normalised.skipped) log.debug({ uid: message.uid, reason: event.reason, why: event.type }, 'not a customer message');
    }
    return { envelopes, skipped };
  }

  /** Resolves when the server says new mail arrived (IDLE), or after the poll interval, or on stop. */
  function newMail(client: ImapFlow, signal: AbortSignal): Promise<void> {
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        client.off('exists', finish);
        signal.removeEventListener('abort', finish);
        done();
      };
      const timer = setTimeout(finish, mailbox.pollIntervalS * 1000);
      client.on('exists', finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
