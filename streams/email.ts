import { connectKafka, connectProducer } from '../config/kafka.js';
import { createPublisher } from '../connectors/publisher.js';
import { createImapConnector } from '../connectors/email/connector.js';
import { createDb } from '../db/client.js';
import { connectorStateStore } from '../db/repositories/connector-state.js';
import { runProcess } from '../runtime/process.js';
import { createSupervisor } from '../runtime/supervisor.js';

/** The `email` process: reads every folder of every mailbox in EMAIL_MAILBOXES and publishes to the inbound topic. */
await runProcess({
  name: 'email',
  address: (config) => ({ host: config.http.host, port: config.email.metricsPort }),
  async start({ config, logger, registry }) {
    if (config.email.mailboxes.length === 0) throw new Error('the email process needs EMAIL_MAILBOXES: the IMAP mailboxes to read');
    const db = createDb(config.database, logger);
    const kafka = await connectKafka(config.kafka, logger);
    const producer = await connectProducer(kafka.kafka);
    const publisher = createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger });
    const connectors = config.email.mailboxes.flatMap((mailbox) => mailbox.folders.map((folder) => createImapConnector({
      mailbox, folder, logger, clock: () => new Date(), store: connectorStateStore(db, 'email', mailbox.address) })));
    const supervisor = createSupervisor({ connectors, publish: (envelopes) => publisher.publish(envelopes), logger, registry });
    supervisor.start();
    return {
      readiness: { database: () => db.raw('SELECT 1'), kafka: kafka.ping, connectors: supervisor.ready },
      details: () => ({ connectors: supervisor.statuses() }),
      async stop() {
        await supervisor.stop();
        await producer.disconnect();
        await kafka.disconnect();
        await db.destroy();
      },
    };
  },
});
