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

  it('knows the business\'s own addresses: BUSINESS_ADDRESSES, every mailbox and its aliases', () => {
    const { resolver } = loadConfig({ BUSINESS_ADDRESSES: ' sales@acme.com , +4930123456,',
      EMAIL_MAILBOXES: 'imaps://support%40acme.com:secret@imap.acme.com/INBOX' });
    expect(resolver.businessAddresses).to.deep.equal(['sales@acme.com', '+4930123456', 'support@acme.com']);
    expect(loadConfig({}).resolver.businessAddresses).to.deep.equal([]);
  });

  describe('WhatsApp Web accounts', () => {
    const key = Buffer.alloc(32, 7);
    it('names the accounts, which of them take group messages, and the state keys (base64 or hex)', () => {
      const { whatsapp } = loadConfig({ WHATSAPP_ACCOUNTS: 'sales, support', WHATSAPP_GROUPS: 'support',
        WHATSAPP_STATE_KEY: `${key.toString('base64')},${Buffer.alloc(32, 9).toString('hex')}` });
      expect(whatsapp.accounts).to.deep.equal([{ name: 'sales', groups: false }, { name: 'support', groups: true }]);
      expect(whatsapp.stateKeys.map((k) => k.toString('hex'))).to.deep.equal([key.toString('hex'), Buffer.alloc(32, 9).toString('hex')]);
      expect(loadConfig({ WHATSAPP_ACCOUNTS: 'a,b', WHATSAPP_GROUPS: '*' }).whatsapp.accounts.every((account) => account.groups)).to.equal(true);
      expect(loadConfig({}).whatsapp).to.deep.equal({ accounts: [], stateKeys: [], metricsPort: 9467 });
    });
    it('refuses a key that is not 32 bytes, a bad or repeated name, and groups for an account that does not exist', () => {
      expect(() => loadConfig({ WHATSAPP_STATE_KEY: 'secret' })).to.throw(ConfigError, /WHATSAPP_STATE_KEY: must be one or more comma-separated 32-byte keys/);
      expect(() => loadConfig({ WHATSAPP_STATE_KEY: Buffer.alloc(16).toString('base64') })).to.throw(ConfigError, /32-byte/);
      expect(() => loadConfig({ WHATSAPP_ACCOUNTS: 'sales,../etc' })).to.throw(ConfigError, /WHATSAPP_ACCOUNTS: must be a comma-separated list of account names/);
      expect(() => loadConfig({ WHATSAPP_ACCOUNTS: 'sales,sales' })).to.throw(ConfigError, /names an account twice/);
      expect(() => loadConfig({ WHATSAPP_ACCOUNTS: 'sales', WHATSAPP_GROUPS: 'support' })).to.throw(ConfigError, /"support", which is not in WHATSAPP_ACCOUNTS/);
    });
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
