import { createImapConnector } from '../connectors/email/connector.js';
import { connectorStateStore } from '../db/repositories/connector-state.js';
import { runStreams } from './run.js';

/** The `email` process: reads every folder of every mailbox in EMAIL_MAILBOXES and publishes to the inbound topic. */
await runStreams({
  name: 'email',
  port: (config) => config.email.metricsPort,
  database: true,
  connectors({ config, logger, db }) {
    if (config.email.mailboxes.length === 0) throw new Error('the email process needs EMAIL_MAILBOXES: the IMAP mailboxes to read');
    return config.email.mailboxes.flatMap((mailbox) => mailbox.folders.map((folder) => createImapConnector({
      mailbox, folder, logger, clock: () => new Date(), store: connectorStateStore(db!, 'email', mailbox.address) })));
  },
});
