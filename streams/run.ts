import type { Config } from '../config/index.js';
import { connectKafka, connectProducer } from '../config/kafka.js';
import type { Logger } from '../config/logger.js';
import { createPublisher } from '../connectors/publisher.js';
import type { StreamConnector } from '../connectors/types.js';
import { createDb, type Db } from '../db/client.js';
import { runProcess } from '../runtime/process.js';
import { createSupervisor } from '../runtime/supervisor.js';
import { recordStatuses } from './status.js';

export interface StreamProcess {
  /** `telegram`, `email`, `whatsapp`: the process type in the Procfile. */
  name: string;
  /** Where it serves `/healthz`, `/readyz` and `/metrics`. */
  port(config: Readonly<Config>): number;
  /** Whether its connectors keep state in PostgreSQL (and so their states are recorded for the admin API). */
  database: boolean;
  /** Its connectors, one per account; throws, with a sentence naming what to set, when there is nothing to run. */
  connectors(context: { config: Readonly<Config>; logger: Logger; db: Db | undefined }): StreamConnector[];
}

/**
 * A stream process: its connectors under one supervisor, publishing to the inbound topic, with `/readyz`
 * listing each connector's state. On SIGTERM the connectors stop (each finishing what it had in hand), then
 * Kafka and the database are let go.
 */
export function runStreams(definition: StreamProcess): Promise<void> {
  return runProcess({
    name: definition.name,
    address: (config) => ({ host: config.http.host, port: definition.port(config) }),
    async start({ config, logger, registry }) {
      const db = definition.database ? createDb(config.database, logger) : undefined;
      const connectors = definition.connectors({ config, logger, db });
      const kafka = await connectKafka(config.kafka, logger);
      const producer = await connectProducer(kafka.kafka);
      const publisher = createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger });
      const statuses = db ? recordStatuses(db, logger) : undefined;
      const supervisor = createSupervisor({ connectors, publish: (envelopes) => publisher.publish(envelopes), logger, registry,
        ...(statuses ? { onStatus: statuses.onStatus } : {}) });
      supervisor.start();
      return {
        readiness: { ...(db ? { database: () => db.raw('SELECT 1') } : {}), kafka: kafka.ping, connectors: supervisor.ready },
        details: () => ({ connectors: supervisor.statuses() }),
        async stop() {
          await supervisor.stop();
          await statuses?.stop();
          await producer.disconnect();
          await kafka.disconnect();
          await db?.destroy();
        },
      };
    },
  });
}
