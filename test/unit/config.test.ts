import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../config/index.js';

describe('configuration', () => {
  it('has working defaults for a developer machine', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).to.deep.equal(['127.0.0.1:9092']);
    expect(config.kafka.topics.inbound).to.equal('tributary.inbound.v1');
    expect(config.http.port).to.equal(3000);
    expect(Object.isFrozen(config.kafka)).to.equal(true);
  });
  it('prefixes every topic', () => {
    const { topics } = loadConfig({ KAFKA_TOPIC_PREFIX: 'staging.' }).kafka;
    expect(Object.values(topics).every((topic) => topic.startsWith('staging.tributary.'))).to.equal(true);
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'kafka' })).to.throw(ConfigError, /KAFKA_BROKERS: must be a comma-separated list/);
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' })).to.throw(ConfigError, /KAFKA_SASL_USERNAME/);
  });
  it('builds SASL and TLS settings for managed clusters', () => {
    const { kafka } = loadConfig({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(kafka.ssl).to.deep.equal({ rejectUnauthorized: true });
    expect(kafka.sasl).to.deep.equal({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  });

  describe('webhook channels', () => {
    it('are all disabled until their secrets are set', () => {
      expect(loadConfig({}).webhooks).to.deep.equal({});
    });
    it('enables each channel by its secrets, and reads the bot id from the bot token', () => {
      const { webhooks } = loadConfig({ PUBLIC_URL: 'https://hooks.example.com/', TWILIO_AUTH_TOKEN: 't', META_APP_SECRET: 'a',
        META_VERIFY_TOKEN: 'v', TELEGRAM_BOT_TOKEN: '123456:ABC-def_1', TELEGRAM_WEBHOOK_SECRET: 'secret_1' });
      expect(webhooks.twilio).to.deep.equal({ authToken: 't', publicUrl: 'https://hooks.example.com' });
      expect(webhooks.meta).to.deep.equal({ appSecret: 'a', verifyToken: 'v' });
      expect(webhooks.telegram).to.deep.include({ botId: '123456', mode: 'webhook', webhookSecret: 'secret_1' });
    });
    it('names what is missing or wrong', () => {
      expect(() => loadConfig({ TWILIO_AUTH_TOKEN: 't' })).to.throw(ConfigError, /PUBLIC_URL is required when TWILIO_AUTH_TOKEN is set/);
      expect(() => loadConfig({ META_APP_SECRET: 'a' })).to.throw(ConfigError, /META_VERIFY_TOKEN is required/);
      expect(() => loadConfig({ TELEGRAM_MODE: 'polling' })).to.throw(ConfigError, /TELEGRAM_BOT_TOKEN is required when TELEGRAM_MODE=polling/);
      expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'nope' })).to.throw(ConfigError, /TELEGRAM_BOT_TOKEN: must be a bot token/);
      expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_WEBHOOK_SECRET: 'has space' }))
        .to.throw(ConfigError, /TELEGRAM_WEBHOOK_SECRET/);
    });
    it('keeps the Telegram webhook route off in polling mode', () => {
      const { telegram } = loadConfig({ TELEGRAM_MODE: 'polling', TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_WEBHOOK_SECRET: 's' }).webhooks;
      expect(telegram).to.deep.include({ mode: 'polling' });
      expect(telegram).to.not.have.property('webhookSecret');
    });
  });
});
