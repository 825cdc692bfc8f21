import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger. Secrets and message bodies are redacted wherever they appear in a log object. */
export function createLogger(level: string, name = 'tributary'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.password', '*.authorization', 'authorization', '*.apiKey', '*.token', 'headers.authorization',
        'req.headers.authorization', '*.text', 'message.text', 'envelope.message.text'],
      censor: '[redacted]',
    },
  });
}
