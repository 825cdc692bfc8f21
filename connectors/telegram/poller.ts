import { setTimeout as sleep } from 'node:timers/promises';
import { Telegram, TelegramError } from 'telegraf';
import type { Logger } from '../../config/logger.js';
import type { Envelope } from '../envelope.js';
import { describeIssue } from '../../identity/parse.js';
import { NeedsActionError } from '../errors.js';
import { SILENT_REPORT, type SkippedEvent, type StreamConnector, type StreamReport } from '../types.js';
import type { TelegramSettings } from './config.js';
import { normaliseTelegram } from './normalise.js';
import { telegramUpdateSchema } from './schema.js';

export interface TelegramPollerDeps {
  settings: Pick<TelegramSettings, 'botToken' | 'botId' | 'apiRoot' | 'pollTimeoutS'>;
  logger: Logger;
  clock: () => Date;
  /** Pause after a failed `getUpdates` or publish before trying again. */
  retryDelayMs?: number;
}

const BATCH_LIMIT = 100;

/** telegraf types its signal with the `abort-controller` polyfill; node-fetch underneath takes Node's own. */
type TelegrafSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

/**
 * The `telegram` process's stream connector, for deployments without a public URL (`TELEGRAM_MODE=polling`).
 * Long-polls `getUpdates` until `signal` aborts. An update is confirmed to Telegram (by asking for the next
 * offset) only after `publish` resolved for its batch, so a crash or a Kafka outage loses nothing: Telegram
 * hands the batch again and the envelope ids, from chat id and message id, come out the same.
 */
export function createTelegramPoller(deps: TelegramPollerDeps): StreamConnector {
  const log = deps.logger.child({ module: 'telegram-poller' });
  const telegram = new Telegram(deps.settings.botToken, { apiRoot: deps.settings.apiRoot });
  const retryDelayMs = deps.retryDelayMs ?? 5_000;

  async function pause(signal: AbortSignal): Promise<void> {
    await sleep(retryDelayMs, undefined, { signal }).catch(() => undefined);
  }

  /** Tells the supervisor the poll is failing, and waits before the next try. */
  async function backOff(report: StreamReport, reason: string, signal: AbortSignal): Promise<void> {
    report.state({ state: 'backing_off', reason, retryAt: new Date(Date.now() + retryDelayMs).toISOString() });
    await pause(signal);
  }

  return {
    name: 'telegram',
    account: deps.settings.botId,
    async run(publish, signal, report = SILENT_REPORT) {
      report.state({ state: 'connecting' });
      await takeOverFromWebhook(signal);
      log.info({ botId: deps.settings.botId }, 'polling Telegram for updates');
      report.state({ state: 'live' });
      let offset = 0;
      while (!signal.aborted) {
        let updates: unknown[];
        try {
          updates = await telegram.callApi('getUpdates',
            { offset, limit: BATCH_LIMIT, timeout: deps.settings.pollTimeoutS }, { signal: signal as unknown as TelegrafSignal });
        } catch (error) {
          if (signal.aborted) break;
          log.warn({ err: error }, 'getUpdates failed; retrying');
          await backOff(report, `getUpdates failed: ${(error as Error).message}`, signal);
          continue;
        }
        report.state({ state: 'live' });
        const { envelopes, skipped, lastUpdateId } = normaliseBatch(updates);
        try {
          await publish(envelopes);
        } catch (error) {
          log.warn({ err: error, updates: updates.length }, 'publishing failed; the updates will be fetched again');
          await backOff(report, `publishing failed: ${(error as Error).message}`, signal);
          continue;
        }
        if (lastUpdateId !== undefined) offset = lastUpdateId + 1;
        report.published(envelopes.length);
        report.skipped(skipped);
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
          throw new NeedsActionError(`Telegram refused TELEGRAM_BOT_TOKEN (${error.code}): check the token from @BotFather`);
        }
        log.warn({ err: error }, 'the Telegram Bot API cannot be reached; retrying');
        await pause(signal);
      }
    }
  }

  function normaliseBatch(updates: unknown[]): { envelopes: Envelope[]; skipped: SkippedEvent[]; lastUpdateId?: number } {
    const envelopes: Envelope[] = [];
    const skipped: SkippedEvent[] = [];
    let lastUpdateId: number | undefined;
    for (const raw of updates) {
      const parsed = telegramUpdateSchema.safeParse(raw);
      const updateId = (raw as { update_id?: unknown }).update_id;
      if (typeof updateId === 'number') lastUpdateId = Math.max(lastUpdateId ?? updateId, updateId);
      if (!parsed.success) {
        // An update Telegram itself sent that we cannot read will not read better next time: skip it.
        log.error({ updateId, problem: describeIssue(parsed.error.issues[0]!).message }, 'unreadable Telegram update skipped');
        skipped.push({ reason: 'unreadable', type: 'update' });
        continue;
      }
      const normalised = normaliseTelegram(parsed.data, deps.settings.botId, deps.clock());
      envelopes.push(...normalised.envelopes);
      skipped.push(...normalised.skipped);
    }
    return { envelopes, skipped, lastUpdateId };
  }
}
