import { connectKafka, connectProducer } from '../config/kafka.js';
import { createSupervisor } from '../runtime/supervisor.js';
import { runProcess } from '../runtime/process.js';
import { createPublisher } from '../connectors/publisher.js';
import { createTelegramPoller } from '../connectors/telegram/poller.js';

/** The `telegram` process: long-polls the Bot API when TELEGRAM_MODE=polling and publishes to the inbound topic. */
await runProcess({
  name: 'telegram',
  address: (config) => ({ host: config.http.host, port: config.telegramProcess.metricsPort }),
  async start({ config, logger, registry }) {
    const telegram = config.webhooks.telegram;
    if (telegram?.mode !== 'polling') {
      throw new Error('the telegram process needs TELEGRAM_MODE=polling and TELEGRAM_BOT_TOKEN; in webhook mode the gateway takes updates');
    }
    const kafka = await connectKafka(config.kafka, logger);
    const producer = await connectProducer(kafka.kafka);
    const publisher = createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger });
    const supervisor = createSupervisor({ connectors: [createTelegramPoller({ settings: telegram, logger, clock: () => new Date() })],
      publish: (envelopes) => publisher.publish(envelopes), logger, registry });
    supervisor.start();
    return {
      readiness: { kafka: kafka.ping, connectors: supervisor.ready },
      details: () => ({ connectors: supervisor.statuses() }),
      async stop() {
        await supervisor.stop();
        await producer.disconnect();
        await kafka.disconnect();
      },
    };
  },
});
