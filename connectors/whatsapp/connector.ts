import { setTimeout as sleep } from 'node:timers/promises';
import makeWASocket, { Browsers, DisconnectReason, makeCacheableSignalKeyStore, type BaileysEventMap,
  type UserFacingSocketConfig } from '@whiskeysockets/baileys';
import type { Logger } from '../../config/logger.js';
import { NeedsActionError } from '../errors.js';
import { SILENT_REPORT, type ConnectorStateStore, type StreamConnector, type StreamReport } from '../types.js';
import { AUTH_PREFIX, loadAuthState, type StoredAuthState } from './auth-state.js';
import { createDelivery, type Delivery } from './delivery.js';
import { identityOfJid } from './jid.js';
import { lidsWithoutPhone, normaliseUpsert, parseUpsert, type WhatsAppAccount } from './normalise.js';
import { PAIRING, PAIRING_REQUEST, NEEDS_PAIRING, DEVICE, pairingRequestSchema, type Pairing } from './pairing.js';

/** What the connector uses of a Baileys socket; a test hands it a stand-in built on Baileys' own event buffer. */
export interface WhatsAppSocket {
  ev: { process(handler: (events: Partial<BaileysEventMap>) => void | Promise<void>): () => void };
  requestPairingCode(phoneNumber: string): Promise<string>;
  end(error: Error | undefined): void | Promise<void>;
  signalRepository?: { lidMapping?: { getPNForLID(lid: string): Promise<string | null> } };
}

export type MakeSocket = (config: UserFacingSocketConfig) => WhatsAppSocket;

export interface WhatsAppConnectorDeps {
  account: WhatsAppAccount;
  /** The account's state in PostgreSQL: its pairing, pairing requests from the admin API, envelopes not yet on Kafka. */
  store: ConnectorStateStore;
  /** WHATSAPP_STATE_KEY: the pairing is sealed with the first; any opens it. None: stored readable. */
  stateKeys: readonly Buffer[];
  logger: Logger;
  clock: () => Date;
  /** Baileys' `makeWASocket` unless a test stands in for WhatsApp's servers. */
  makeSocket?: MakeSocket;
  /** Where the pairing QR is drawn for a person at the terminal. */
  showQr?: (qr: string) => void;
  /** How often to look for a pairing request from the admin API while one may come. */
  pollMs?: number;
}

/** How one socket's life ended, and so what the connector does next. */
type SessionEnd =
  | { end: 'stopped' }
  /** WhatsApp asks for a fresh socket (after pairing): at once, no backoff. */
  | { end: 'restart' }
  /** The device was unlinked on the phone (or WhatsApp dropped it): it needs pairing again. */
  | { end: 'logged_out'; why: string }
  /** Nobody scanned the QR code (nor entered a code) in time. */
  | { end: 'pairing_expired' }
  | { end: 'failed'; error: Error };

/**
 * One WhatsApp number, linked as a device over the WhatsApp Web protocol (Baileys), as a stream: every message
 * a customer sends it becomes an envelope. Holds the account exclusively (a second process waits); keeps its
 * pairing in PostgreSQL, so a restart resumes without a new QR; reconnects with backoff (by failing to the
 * supervisor) on every close except a logout, after which it asks for a new pairing instead of looping.
 */
export function createWhatsAppConnector(deps: WhatsAppConnectorDeps): StreamConnector {
  const { account, store } = deps;
  const log = deps.logger.child({ module: 'whatsapp', account: account.name });
  const makeSocket = deps.makeSocket ?? ((config: UserFacingSocketConfig) => makeWASocket(config) as WhatsAppSocket);
  const pollMs = deps.pollMs ?? 2_000;

  return {
    name: 'whatsapp',
    account: account.name,
    async run(publish, signal, report = SILENT_REPORT) {
      report.state({ state: 'connecting' });
      const lock = await store.lock({
        signal,
        waiting(holder) {
          const reason = `another process runs WhatsApp account ${account.name}: ${holder}; this one takes over when it stops`;
          log.warn({ holder }, 'waiting for the account: another process runs it');
          report.state({ state: 'waiting', reason });
        },
      }).catch((error: unknown) => {
        if (signal.aborted) return undefined;
        throw error;
      });
      if (!lock) return;
      const delivery = createDelivery({ store, publish, report, logger: log, signal });
      try {
        await Promise.race([delivery.resendSpilled(), lock.lost]);
        while (!signal.aborted) {
          const needs = await store.get(NEEDS_PAIRING) as { why?: string } | undefined;
          if (needs) {
            report.state({ state: 'needs_action', action: `WhatsApp account ${account.name} needs pairing again (${needs.why ?? 'logged out'}): `
              + `POST /api/channels/whatsapp/${account.name}/pairing, or restart the whatsapp process, then scan the new QR code` });
            if (!await Promise.race([pairingRequested(signal), lock.lost])) break;
            await store.set({ [NEEDS_PAIRING]: null });
          }
          const ended = await session(delivery, signal, report, lock.lost);
          if (ended.end === 'stopped') break;
          if (ended.end === 'restart') continue;
          if (ended.end === 'failed') throw ended.error;
          const why = ended.end === 'logged_out' ? ended.why : 'nobody scanned the QR code in time';
          log.warn({ why }, 'the account needs pairing again');
          if (ended.end === 'logged_out') await store.clear(AUTH_PREFIX);
          await store.set({ [NEEDS_PAIRING]: { why, at: deps.clock().toISOString() }, [PAIRING]: null, [DEVICE]: null });
        }
      } finally {
        await delivery.drain();
        await lock.release();
      }
    },
  };

  /** One socket, from connect to close; closed at once if the lock on the account is lost (another process may take it). */
  async function session(delivery: Delivery, signal: AbortSignal, report: StreamReport, lockLost: Promise<never>): Promise<SessionEnd> {
    const auth = await loadAuthState(store, { account: account.name, keys: deps.stateKeys });
    const baileysLog = deps.logger.child({ module: 'baileys', account: account.name },
      { level: ['debug', 'trace'].includes(deps.logger.level) ? deps.logger.level : 'warn' });
    const socket = makeSocket({
      auth: { creds: auth.state.creds, keys: makeCacheableSignalKeyStore(auth.state.keys, baileysLog) },
      logger: baileysLog,
      browser: Browsers.ubuntu('Tributary'),
      // A gateway reads; it should not mark the number online (the phone would stop getting notifications),
      // nor pull years of history into the inbox on pairing.
      markOnlineOnConnect: false,
      syncFullHistory: false,
      shouldSyncHistoryMessage: () => false,
      generateHighQualityLinkPreview: false,
      getMessage: async () => undefined,
    });
    const pairing = pairingFlow(socket, auth, report);
    return new Promise<SessionEnd>((resolve) => {
      let ended = false;
      const finish = (end: SessionEnd) => {
        if (ended) return;
        ended = true;
        pairing.stop();
        stopListening();
        signal.removeEventListener('abort', stop);
        // Every creds write issued before the close commits before the next socket reads them.
        void auth.settled().then(() => resolve(end));
      };
      const stop = () => void Promise.resolve(socket.end(undefined)).catch(() => undefined).finally(() => finish({ end: 'stopped' }));
      signal.addEventListener('abort', stop, { once: true });
      lockLost.catch((error: Error) => {
        void Promise.resolve(socket.end(error)).catch(() => undefined);
        finish({ end: 'failed', error });
      });
      const stopListening = socket.ev.process(async (events) => {
        if (events['creds.update']) {
          Object.assign(auth.state.creds, events['creds.update']);
          void auth.saveCreds().catch((error: unknown) => log.error({ err: error }, 'could not save the WhatsApp creds'));
        }
        const upsert = events['messages.upsert'];
        if (upsert) delivery.enqueue(() => normalised(upsert, socket));
        const receipts = (events['message-receipt.update']?.length ?? 0) + (events['messages.update']?.length ?? 0);
        if (receipts > 0) report.skipped(Array.from({ length: receipts }, () => ({ reason: 'receipt' as const, type: 'receipt' })));
        const reactions = events['messages.reaction']?.length ?? 0;
        if (reactions > 0) report.skipped(Array.from({ length: reactions }, () => ({ reason: 'reaction' as const, type: 'messages.reaction' })));
        const update = events['connection.update'];
        if (update?.qr) pairing.showQr(update.qr);
        if (update?.connection === 'open') {
          pairing.stop();
          void linked(auth, report);
        }
        if (update?.connection === 'close') {
          if (signal.aborted) return finish({ end: 'stopped' });
          finish(closeReason(update.lastDisconnect?.error, pairing.shown()));
        }
      });
    });
  }

  /** Normalises one upsert, asking the socket for the phone behind LIDs that came alone. */
  async function normalised(upsert: BaileysEventMap['messages.upsert'], socket: WhatsAppSocket) {
    const parsed = parseUpsert(upsert);
    const phoneOfLid = new Map<string, string>();
    const mapping = socket.signalRepository?.lidMapping;
    if (mapping) {
      for (const lid of new Set(lidsWithoutPhone(parsed))) {
        const pn = identityOfJid(await mapping.getPNForLID(`${lid}@lid`).catch(() => null));
        if (pn?.kind === 'phone') phoneOfLid.set(lid, pn.digits);
      }
    }
    return normaliseUpsert(parsed, account, deps.clock(), phoneOfLid);
  }

  /** Linked: the pairing is done, and who the device is linked to is shown to the admin API. */
  async function linked(auth: StoredAuthState, report: StreamReport): Promise<void> {
    const me = auth.state.creds.me;
    const phone = identityOfJid(me?.id);
    log.info({ phone: phone?.kind === 'phone' ? `+${phone.digits}` : undefined }, 'WhatsApp connected');
    report.state({ state: 'live' });
    await store.set({
      [PAIRING]: null, [PAIRING_REQUEST]: null,
      [DEVICE]: { phone: phone?.kind === 'phone' ? `+${phone.digits}` : undefined, lid: identityOfJid(me?.lid)?.kind === 'lid' ? me?.lid : undefined,
        name: me?.name ?? undefined, connectedAt: deps.clock().toISOString() },
    }).catch((error: unknown) => log.warn({ err: error }, 'could not record the linked device'));
  }

  /**
   * While the device is not linked: each QR code is drawn in the log and stored for the admin API, and a
   * pairing-code request (a phone number, from the admin API) is answered with the 8-character code to type
   * on that phone.
   */
  function pairingFlow(socket: WhatsAppSocket, auth: StoredAuthState, report: StreamReport) {
    let current: Pairing | undefined;
    let shown = false;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let asked: string | undefined;
    const action = `scan the QR code in the log or at GET /api/channels/whatsapp/${account.name}/qr with WhatsApp on the phone `
      + `(Settings → Linked devices → Link a device), or POST a phone number to /api/channels/whatsapp/${account.name}/pairing for a code`;

    async function checkRequest() {
      const request = pairingRequestSchema.safeParse(await store.get(PAIRING_REQUEST));
      const phone = request.success ? request.data.phone : undefined;
      if (!phone || phone === asked || auth.state.creds.registered) return;
      asked = phone;
      try {
        const code = await socket.requestPairingCode(phone.replace(/^\+/, ''));
        log.info({ code }, `pairing code for ${phone}: enter it on that phone (Linked devices → Link with phone number)`);
        await publishPairing({ ...current, code, phone });
      } catch (error) {
        log.warn({ err: error }, 'WhatsApp did not give a pairing code');
        await publishPairing({ ...current, error: `no pairing code for ${phone}: ${(error as Error).message}` });
      }
    }

    async function publishPairing(next: Pairing) {
      current = { ...next, updatedAt: deps.clock().toISOString() };
      await store.set({ [PAIRING]: current });
    }

    return {
      showQr(qr: string) {
        shown = true;
        deps.showQr?.(qr);
        log.warn({ qr }, `WhatsApp account ${account.name} is not linked: ${action}`);
        // Said once the QR is stored, so whoever reads the state can fetch the QR it points at.
        void publishPairing({ ...current, qr })
          .catch((error: unknown) => log.warn({ err: error }, 'could not store the QR code'))
          .finally(() => { if (!stopped) report.state({ state: 'needs_action', action }); });
        if (!timer) {
          const poll = () => void checkRequest().catch((error: unknown) => log.debug({ err: error }, 'pairing request check failed'));
          poll();
          timer = setInterval(poll, pollMs);
        }
      },
      shown: () => shown,
      stop() {
        stopped = true;
        clearInterval(timer);
        timer = undefined;
      },
    };
  }

  /** Resolves true once a pairing request arrives (from the admin API), false on stop. */
  async function pairingRequested(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (pairingRequestSchema.safeParse(await store.get(PAIRING_REQUEST)).success) return true;
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
    return false;
  }

  function closeReason(error: Error | undefined, pairing: boolean): SessionEnd {
    const status = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
    const message = error?.message ?? 'the connection closed';
    switch (status) {
      case DisconnectReason.loggedOut: return { end: 'logged_out', why: `WhatsApp logged the device out: ${message}` };
      case DisconnectReason.restartRequired: return { end: 'restart' };
      case DisconnectReason.multideviceMismatch: return { end: 'logged_out', why: `WhatsApp wants the device linked again: ${message}` };
      case DisconnectReason.forbidden:
        return { end: 'failed', error: new NeedsActionError(`WhatsApp refused account ${account.name} (403: ${message}); `
          + 'the number may be banned or restricted: check it in the WhatsApp app') };
      case DisconnectReason.timedOut:
        // The same code as a lost connection: only Baileys' message tells the end of the QR codes apart.
        if (pairing && /QR refs attempts ended/i.test(message)) return { end: 'pairing_expired' };
        break;
      case DisconnectReason.connectionReplaced:
        return { end: 'failed', error: new Error(`another WhatsApp Web session with this pairing replaced ours (440): ${message}`) };
    }
    return { end: 'failed', error: new Error(`the WhatsApp connection closed${status ? ` (${status})` : ''}: ${message}`) };
  }
}
