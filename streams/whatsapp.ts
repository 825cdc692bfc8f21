import QRCode from 'qrcode';
import { createWhatsAppConnector } from '../connectors/whatsapp/connector.js';
import { connectorStateStore } from '../db/repositories/connector-state.js';
import { runStreams } from './run.js';

/** The `whatsapp` process: one WhatsApp Web socket per account in WHATSAPP_ACCOUNTS, publishing to the inbound topic. */
await runStreams({
  name: 'whatsapp',
  port: (config) => config.whatsapp.metricsPort,
  database: true,
  connectors({ config, logger, db }) {
    const { accounts, stateKeys } = config.whatsapp;
    if (accounts.length === 0) throw new Error('the whatsapp process needs WHATSAPP_ACCOUNTS: the names of the WhatsApp numbers to link');
    if (stateKeys.length === 0) {
      logger.warn('WHATSAPP_STATE_KEY is not set: the WhatsApp pairings are stored unencrypted, and anyone with a copy of the '
        + 'database can act as the linked device and read the accounts\' messages as they arrive');
    }
    return accounts.map((account) => createWhatsAppConnector({
      account, stateKeys, logger, clock: () => new Date(), store: connectorStateStore(db!, 'whatsapp', account.name),
      showQr: (qr) => void QRCode.toString(qr, { type: 'terminal', small: true }).then((drawing) =>
        process.stderr.write(`\nWhatsApp account ${account.name}: scan with WhatsApp → Settings → Linked devices → Link a device\n${drawing}\n`)),
    }));
  },
});
