import { expect } from 'chai';
import { envelopeId } from '../../connectors/envelope.js';
import { friendlyName } from '../../identity/friendly-name.js';
import { senderFacts } from '../../resolvers/identity/identity.js';
import { envelope } from '../helpers/envelopes.js';

describe('envelope ids', () => {
  it('are the same UUID for the same channel, account and provider message id', () => {
    expect(envelopeId('sms', '+14155550100', 'SM123')).to.equal(envelopeId('sms', '+14155550100', 'SM123'));
    expect(envelopeId('sms', '+14155550100', 'SM123')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('differ when any part differs', () => {
    const ids = new Set([envelopeId('sms', 'a', 'm'), envelopeId('whatsapp', 'a', 'm'), envelopeId('sms', 'b', 'm'),
      envelopeId('sms', 'a', 'n'), envelopeId('sms', 'a\nm', ''), envelopeId('sms', 'a', '\nm')]);
    expect(ids.size).to.equal(6);
  });
});

describe('friendly names', () => {
  it('are "Adjective Noun" and stable for an identity', () => {
    expect(friendlyName('api_user\0acme\0u1')).to.match(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(friendlyName('api_user\0acme\0u1')).to.equal(friendlyName('api_user\0acme\0u1'));
  });
});

describe('sender facts', () => {
  const account = '+4930901820';

  it('normalises an SMS sender to E.164 using the receiving number\'s country', () => {
    const facts = senderFacts(envelope({ channel: 'sms', account, kind: 'sms', id: '0151 23456789' }));
    expect(facts.identity).to.deep.equal({ kind: 'sms', scope: '', value: '+4915123456789', matchable: true });
    expect(facts.points).to.deep.equal([{ kind: 'phone', value: '+4915123456789', source: 'identity' }]);
  });

  it('gives an unplaceable number an identity of its own message, which never matches others', () => {
    const unplaceable = envelope({ channel: 'sms', account: 'shortcode', kind: 'sms', id: '0151 23456789' });
    expect(senderFacts(unplaceable).identity).to.include({ value: `anonymous:${unplaceable.id}`, matchable: false });
    expect(senderFacts(unplaceable).points).to.be.empty;
  });

  it('never uses junk or the account\'s own number as an identity or a contact point', () => {
    const junk = envelope({ channel: 'sms', account, kind: 'sms', id: '0000000' });
    expect(senderFacts(junk).identity).to.include({ value: `anonymous:${junk.id}`, matchable: false });
    const own = envelope({ channel: 'sms', account, kind: 'sms', id: account });
    expect(senderFacts(own).identity.matchable).to.equal(false);
    const ownProfile = envelope({ channel: 'api', account: 'help@acme.com', kind: 'api_user', id: 'u', scope: 'x',
      profile: { email: 'Help@Acme.com', phone: '1111111' } });
    expect(senderFacts(ownProfile).points).to.be.empty;
  });

  it('takes profile hints as contact points and fields, and builds a name from first and last', () => {
    const facts = senderFacts(envelope({ channel: 'api', account: 'acme', kind: 'api_user', id: 'u1', scope: 'acme',
      profile: { firstName: ' Ada ', lastName: 'Lovelace', email: ' ADA@lovelace.dev', phone: '+44 20 7123 4567' } }));
    expect(facts.fields).to.include({ displayName: 'Ada Lovelace', firstName: 'Ada', email: 'ada@lovelace.dev', phone: '+442071234567',
      country: 'GB' });
    expect(facts.points.map((p) => `${p.kind}:${p.value}:${p.source}`))
      .to.deep.equal(['email:ada@lovelace.dev:profile', 'phone:+442071234567:profile']);
  });
});
