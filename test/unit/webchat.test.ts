import { expect } from 'chai';
import type { WebchatVisitor } from '../../connectors/webchat/config.js';
import { messageEnvelope, profileAfterSession, visitorName, visitorSender } from '../../connectors/webchat/normalise.js';
import { isVouchedFor, readToken, signToken, tokenKey } from '../../connectors/webchat/token.js';
import { storableDeep } from '../../identity/text.js';
import { identifierHash } from '../helpers/webchat.js';

describe('web chat, pure parts', () => {
  describe('visitor tokens', () => {
    const current = tokenKey('the-current-secret-0123456789abcdef');
    const previous = tokenKey('the-previous-secret-0123456789abcdef');
    const now = new Date('2026-11-30T12:00:00Z');
    const token = { visitorId: '3f1c0a52-7a77-4c55-9d38-0e6f2c1b9a10', site: 'shop', expiresAt: now.getTime() / 1000 + 3600 };

    it('reads back what it signed, for its site, before it expires', () => {
      expect(readToken(signToken(token, current), [current], 'shop', now)).to.deep.equal(token);
    });
    it('verifies with every key, so the previous secret still works while the current one signs', () => {
      expect(readToken(signToken(token, previous), [current, previous], 'shop', now)).to.deep.equal(token);
      expect(signToken(token, current).split('.')[1]).to.equal(current.id);
    });
    const refused: [string, (signed: string) => string | undefined, Date?, string?][] = [
      ['a changed payload', (signed) => signed.replace(/\.([\w-]+)\./, (_m, payload: string) => `.${payload.slice(0, -1)}A.`)],
      ['a changed signature', (signed) => `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`],
      ['no signature', (signed) => signed.split('.').slice(0, 3).join('.')],
      ['an unknown key id', (signed) => signed.replace(`.${current.id}.`, '.deadbeef.')],
      ['garbage', () => 'not-a-token'],
      ['nothing', () => undefined],
      ['an expired token', (signed) => signed, new Date(now.getTime() + 3_601_000)],
      ['another site\'s token', (signed) => signed, now, 'blog'],
    ];
    for (const [name, change, at, site] of refused) {
      it(`refuses ${name}`, () => {
        expect(readToken(change(signToken(token, current)), [current], site ?? 'shop', at ?? now)).to.equal(undefined);
      });
    }
    it('checks a site\'s vouching HMAC in constant time, case-insensitively', () => {
      const hash = identifierHash('user-42', 'site-secret');
      expect(isVouchedFor('user-42', hash, 'site-secret')).to.equal(true);
      expect(isVouchedFor('user-42', hash.toUpperCase(), 'site-secret')).to.equal(true);
      expect(isVouchedFor('user-43', hash, 'site-secret')).to.equal(false);
      expect(isVouchedFor('user-42', hash.slice(1), 'site-secret')).to.equal(false);
    });
  });

  describe('what a session teaches about a visitor', () => {
    it('takes the country from the phone, reading a national number in the browser\'s region', () => {
      expect(profileAfterSession({}, { site: 's', prechat: { name: ' Bea ', phone: '030 1234567' }, language: 'de-DE' }, undefined))
        .to.deep.equal({ name: 'Bea', phone: '+49301234567', language: 'de-DE', country: 'DE' });
    });
    it('takes the country from the browser language\'s region when no phone is given', () => {
      expect(profileAfterSession({}, { site: 's' }, 'pt-BR,pt;q=0.9,en;q=0.5')).to.deep.equal({ language: 'pt-BR', country: 'BR' });
    });
    it('prefers the phone\'s country to the language region (an expat)', () => {
      expect(profileAfterSession({}, { site: 's', prechat: { phone: '+442079460958' }, language: 'de-DE' }, undefined).country).to.equal('GB');
    });
    it('keeps what it knew when a later session leaves a field blank', () => {
      const known = { name: 'Ada', email: 'ada@example.org', language: 'en-GB', country: 'GB' };
      expect(profileAfterSession(known, { site: 's', prechat: { name: '  ', email: '' }, timezone: 'Europe/London' }, undefined))
        .to.deep.equal({ ...known, timezone: 'Europe/London' });
    });
    it('keeps a phone it cannot place as typed (the resolver does not match on it)', () => {
      expect(profileAfterSession({}, { site: 's', prechat: { phone: '12' } }, undefined).phone).to.equal('12');
    });
  });

  describe('hostile text from the browser', () => {
    it('is kept, made storable: NUL and lone surrogates become U+FFFD (found by the fuzz suite)', () => {
      const profile = profileAfterSession({}, storableDeep({ site: 's', language: 'e\u0000n', prechat: { name: 'A\ud800da' } }), undefined);
      expect(profile).to.include({ name: 'A\uFFFDda', language: 'e\uFFFDn' });
    });
  });

  describe('who a visitor is to the resolver', () => {
    const visitor: WebchatVisitor = { id: '3f1c0a52-7a77-4c55-9d38-0e6f2c1b9a10', siteId: 'shop', identifier: null, profile: {} };
    it('is a browser scoped to its site, named like the resolver names it', () => {
      expect(visitorSender(visitor)).to.deep.equal({ kind: 'webchat_visitor', id: visitor.id, scope: 'shop' });
      expect(visitorName(visitor)).to.match(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(visitorName({ ...visitor, profile: { name: 'Ada' } })).to.equal('Ada');
    });
    it('is the site\'s user when vouched for, the browser riding along as an alias', () => {
      expect(visitorSender({ ...visitor, identifier: 'user-42' })).to.deep.equal({ kind: 'webchat_user', id: 'user-42', scope: 'shop',
        aliases: [{ kind: 'webchat_visitor', id: visitor.id, scope: 'shop' }] });
    });
    it('makes a message\'s id from the visitor and the client\'s message id, so a retry is the same message', () => {
      const at = new Date();
      const one = messageEnvelope(visitor, { site: 'shop', clientMessageId: 'abc', text: 'hi' }, at);
      const again = messageEnvelope(visitor, { site: 'shop', clientMessageId: 'abc', text: 'hi' }, new Date(at.getTime() + 5_000));
      const other = messageEnvelope({ ...visitor, id: '00000000-0000-4000-8000-000000000000' }, { site: 'shop', clientMessageId: 'abc', text: 'hi' }, at);
      expect(again.id).to.equal(one.id);
      expect(other.id).not.to.equal(one.id);
      expect(one).to.deep.include({ channel: 'webchat', account: 'shop' });
      expect(one.message).to.deep.include({ providerId: `${visitor.id}:abc`, threadId: visitor.id });
    });
  });
});
