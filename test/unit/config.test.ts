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
});
