import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger. Secrets and message bodies are redacted wherever they appear in a log object. */
export function createLogger(level: string, name = 'tributary'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.password', '*.pass', '*.accessToken', '*.auth', '*.authorization', 'authorization', '*.apiKey', '*.token', 'headers.authorization',
        'req.headers.authorization', '*.text', 'message.text', 'envelope.message.text',
        // Webhook secrets, should a settings object or request headers ever be logged.
        '*.authToken', '*.appSecret', '*.verifyToken', '*.botToken', '*.webhookSecret',
        'headers["x-twilio-signature"]', 'headers["x-hub-signature-256"]', 'headers["x-telegram-bot-api-secret-token"]'],
      censor: '[redacted]',
    },
  });
}
