import { setTimeout as sleep } from 'node:timers/promises';
import { Telegram, TelegramError } from 'telegraf';
import type { Logger } from '../../config/logger.js';
import type { Envelope } from '../envelope.js';
import type { SkippedEvent } from '../types.js';
import type { TelegramSettings } from './config.js';
import { normaliseTelegram } from './normalise.js';
import { telegramUpdateSchema } from './schema.js';

export interface TelegramPoller {
  /**
   * Long-polls `getUpdates` until `signal` aborts. An update is confirmed to Telegram (by asking for the
   * next offset) only after `publish` resolved for its batch, so a crash or a Kafka outage loses nothing:
   * Telegram hands the batch again and the envelope ids, from chat id and message id, come out the same.
   */
  run(publish: (envelopes: Envelope[]) => Promise<void>, signal: AbortSignal): Promise<void>;
}

export interface TelegramPollerDeps {
  settings: Pick<TelegramSettings, 'botToken' | 'botId' | 'apiRoot' | 'pollTimeoutS'>;
  logger: Logger;
  clock: () => Date;
  onSkipped?: (skipped: SkippedEvent[]) => void;
  /** Pause after a failed `getUpdates` or publish before trying again. */
  retryDelayMs?: number;
}

const BATCH_LIMIT = 100;

/** telegraf types its signal with the `abort-controller` polyfill; node-fetch underneath takes Node's own. */
type TelegrafSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

/** The `telegram` process's loop, for deployments without a public URL (`TELEGRAM_MODE=polling`). */
export function createTelegramPoller(deps: TelegramPollerDeps): TelegramPoller {
  const log = deps.logger.child({ module: 'telegram-poller' });
  const telegram = new Telegram(deps.settings.botToken, { apiRoot: deps.settings.apiRoot });
  const retryDelayMs = deps.retryDelayMs ?? 5_000;

  async function pause(signal: AbortSignal): Promise<void> {
    await sleep(retryDelayMs, undefined, { signal }).catch(() => undefined);
  }

  return {
    async run(publish, signal) {
      await takeOverFromWebhook(signal);
      log.info({ botId: deps.settings.botId }, 'polling Telegram for updates');
      let offset = 0;
      while (!signal.aborted) {
        let updates: unknown[];
        try {
          updates = await telegram.callApi('getUpdates',
            { offset, limit: BATCH_LIMIT, timeout: deps.settings.pollTimeoutS }, { signal: signal as unknown as TelegrafSignal });
        } catch (error) {
          if (signal.aborted) break;
          log.warn({ err: error }, 'getUpdates failed; retrying');
          await pause(signal);
          continue;
        }
        const { envelopes, lastUpdateId } = normaliseBatch(updates);
        try {
          await publish(envelopes);
        } catch (error) {
          log.warn({ err: error, updates: updates.length }, 'publishing failed; the updates will be fetched again');
          await pause(signal);
          continue;
        }
        if (lastUpdateId !== undefined) offset = lastUpdateId + 1;
      }
      // Confirm the last published batch, so that a restart does not fetch it again.
      if (offset > 0) await telegram.callApi('getUpdates', { offset, limit: 1, timeout: 0 }).catch(() => undefined);
    },
  };

  /**
   * getUpdates is refused while a webhook is set: polling mode takes the bot over from it. Waits out a Bot
   * API that cannot be reached; a token Telegram rejects (401, 404) is a setting to fix, so it stops the process.
   */
  async function takeOverFromWebhook(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const webhook = await telegram.getWebhookInfo();
        if (webhook.url) {
          log.warn('a webhook was set for this bot; deleting it, since TELEGRAM_MODE=polling');
          await telegram.deleteWebhook();
        }
        return;
      } catch (error) {
        if (error instanceof TelegramError && (error.code === 401 || error.code === 404)) {
          throw new Error(`Telegram refused TELEGRAM_BOT_TOKEN (${error.code}): check the token from @BotFather`);
        }
        log.warn({ err: error }, 'the Telegram Bot API cannot be reached; retrying');
        await pause(signal);
      }
    }
  }

  function normaliseBatch(updates: unknown[]): { envelopes: Envelope[]; lastUpdateId?: number } {
    const envelopes: Envelope[] = [];
    let lastUpdateId: number | undefined;
    for (const raw of updates) {
      const parsed = telegramUpdateSchema.safeParse(raw);
      const updateId = (raw as { update_id?: unknown }).update_id;
      if (typeof updateId === 'number') lastUpdateId = Math.max(lastUpdateId ?? updateId, updateId);
      if (!parsed.success) {
        // An update Telegram itself sent that we cannot read will not read better next time: skip it.
        log.error({ updateId, problem: parsed.error.issues[0]?.message }, 'unreadable Telegram update skipped');
        continue;
      }
      const normalised = normaliseTelegram(parsed.data, deps.settings.botId, deps.clock());
      envelopes.push(...normalised.envelopes);
      if (normalised.skipped.length > 0) deps.onSkipped?.(normalised.skipped);
    }
    return { envelopes, lastUpdateId };
  }
}
