import { DisconnectReason, makeEventBuffer, type BaileysEventMap, type UserFacingSocketConfig } from '@whiskeysockets/baileys';
import type { MakeSocket, WhatsAppSocket } from '../../connectors/whatsapp/connector.js';
import { logger } from './harness.js';
import { waitFor } from './wait-for.js';

/**
 * What stands in for WhatsApp's servers (which cannot be reached here): sockets whose events go through
 * Baileys' own event buffer (`makeEventBuffer`, the `ev` of a real socket), driven by the test as WhatsApp
 * would drive them — a QR code, the connection opening, messages, a close with WhatsApp's status codes.
 */
export class StandInWhatsApp {
  readonly sockets: StandInSocket[] = [];
  readonly makeSocket: MakeSocket = (config) => {
    const socket = new StandInSocket(config);
    this.sockets.push(socket);
    return socket;
  };

  /** The `n`th socket the connector made (from 1), once it has. */
  socket(n: number): Promise<StandInSocket> {
    return waitFor(() => this.sockets[n - 1], { what: `socket ${n}` });
  }
}

export class StandInSocket implements WhatsAppSocket {
  readonly ev = makeEventBuffer(logger);
  readonly pairingCodesAsked: string[] = [];
  /** Phones of LIDs, as the socket's LID mapping store knows them (`…@lid` → `…@s.whatsapp.net`). */
  readonly lidMapping = new Map<string, string>();
  readonly signalRepository = { lidMapping: { getPNForLID: async (lid: string) => this.lidMapping.get(lid) ?? null } };
  closed = false;

  constructor(readonly config: UserFacingSocketConfig) {}

  qr(text = `2@${Math.random().toString(36).slice(2)},abc,def,ghi`): void {
    this.emit('connection.update', { connection: 'connecting', qr: text });
  }

  /** The pairing succeeds (or stored creds are accepted): Baileys sets `me` and `registered`, then opens. */
  open(me = { id: '4915100000001:3@s.whatsapp.net', lid: '200000000000001:3@lid', name: 'Acme Sales' }): void {
    this.emit('creds.update', { me, registered: true });
    this.emit('connection.update', { connection: 'open' });
  }

  messages(upsert: BaileysEventMap['messages.upsert']): void {
    this.emit('messages.upsert', upsert);
  }

  /** WhatsApp closes the connection with a status code (`DisconnectReason`), as a Boom error carries it. */
  close(statusCode: DisconnectReason, message = 'Connection Failure'): void {
    this.closed = true;
    const error = Object.assign(new Error(message), { isBoom: true, output: { statusCode, payload: { statusCode, message } } });
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  }

  emit<E extends keyof BaileysEventMap>(event: E, data: BaileysEventMap[E]): void {
    this.ev.emit(event, data);
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.pairingCodesAsked.push(phoneNumber);
    return 'TRIB7K2Q';
  }

  /** As Baileys' `end`: the connection closes, with the error given (none on a deliberate stop). */
  end(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  }
}
