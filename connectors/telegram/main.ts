import { loadConfig } from '../../config/index.js';
import { createKafka, ensureTopics, producerDefaults } from '../../config/kafka.js';
import { runProcess } from '../../config/lifecycle.js';
import { createLogger } from '../../config/logger.js';
import { createPublisher } from '../publisher.js';
import { createTelegramPoller } from './poller.js';

/** The `telegram` process: long-polls the Bot API when TELEGRAM_MODE=polling and publishes to the inbound topic. */
const config = loadConfig();
const logger = createLogger(config.logLevel, 'telegram');

await runProcess(logger, async () => {
  const telegram = config.webhooks.telegram;
  if (telegram?.mode !== 'polling') {
    throw new Error('the telegram process needs TELEGRAM_MODE=polling and TELEGRAM_BOT_TOKEN; in webhook mode the gateway takes updates');
  }
  const kafka = createKafka(config.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka);
  await admin.disconnect();
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  const publisher = createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger });
  const poller = createTelegramPoller({ settings: telegram, logger, clock: () => new Date(),
    onSkipped: (skipped) => logger.debug({ skipped }, 'updates that are not messages') });
  const stopping = new AbortController();
  const running = poller.run((envelopes) => publisher.publish(envelopes), stopping.signal);
  running.catch((error: unknown) => {
    logger.fatal({ err: error }, 'Telegram polling stopped');
    process.exit(1);
  });

  return async () => {
    stopping.abort();
    await running;
    await producer.disconnect();
  };
});
