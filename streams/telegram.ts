import { createTelegramPoller } from '../connectors/telegram/poller.js';
import { runStreams } from './run.js';

/** The `telegram` process: long-polls the Bot API when TELEGRAM_MODE=polling and publishes to the inbound topic. */
await runStreams({
  name: 'telegram',
  port: (config) => config.telegramProcess.metricsPort,
  database: false,
  connectors({ config, logger }) {
    const telegram = config.webhooks.telegram;
    if (telegram?.mode !== 'polling') {
      throw new Error('the telegram process needs TELEGRAM_MODE=polling and TELEGRAM_BOT_TOKEN; in webhook mode the gateway takes updates');
    }
    return [createTelegramPoller({ settings: telegram, logger, clock: () => new Date() })];
  },
});
