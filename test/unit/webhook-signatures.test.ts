import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { isSignedByMeta } from '../../connectors/meta/verify.js';
import { sameSecret } from '../../connectors/secret.js';
import { isSignedByTwilio } from '../../connectors/twilio/verify.js';
import { readFixture } from '../helpers/fixtures.js';

interface TwilioVector {
  name: string;
  auth_token?: string;
  request_url: string;
  params: Record<string, string | string[]>;
  raw_body?: string | null;
  x_twilio_signature: string | null;
  expected_valid: boolean;
}

/** Form-encodes a vector's parameters the way Twilio posts them: a list becomes the field repeated. */
function formBody(params: TwilioVector['params']): Buffer {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of [value].flat()) form.append(key, item);
  return Buffer.from(form.toString());
}

describe('webhook signatures', () => {
  describe('X-Twilio-Signature, against twilio-node’s vectors', () => {
    const vectors = readFixture<{ positive_and_case_vectors: TwilioVector[]; negative_vectors: TwilioVector[] }>(
      'signatures/twilio-signature-vectors.json');
    for (const vector of [...vectors.positive_and_case_vectors, ...vectors.negative_vectors]) {
      it(`${vector.expected_valid ? 'accepts' : 'refuses'} ${vector.name}`, () => {
        const json = typeof vector.raw_body === 'string';
        const valid = isSignedByTwilio({
          authToken: vector.auth_token ?? '12345',
          url: vector.request_url,
          signature: vector.x_twilio_signature ?? undefined,
          contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
          rawBody: json ? Buffer.from(vector.raw_body!) : formBody(vector.params),
        });
        expect(valid).to.equal(vector.expected_valid);
      });
    }

    it('refuses Twilio’s documented example signed with another auth token', () => {
      const documented = vectors.positive_and_case_vectors[0]!;
      expect(isSignedByTwilio({ authToken: '54321', url: documented.request_url, signature: documented.x_twilio_signature!,
        contentType: 'application/x-www-form-urlencoded', rawBody: formBody(documented.params) })).to.equal(false);
    });
  });

  describe('X-Hub-Signature-256 (Meta)', () => {
    const body = Buffer.from('{"object":"page","entry":[]}');
    const sign = (secret: string, raw: Buffer) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    const vectors = readFixture<{ vectors: { name: string; app_secret: string; raw_body: string; signature: string }[] }>(
      'signatures/meta-hub-signature-vectors.json').vectors;

    it('accepts the HMAC-SHA256 of the raw body with the app secret, in either hex case', () => {
      expect(isSignedByMeta('app-secret', sign('app-secret', body), body)).to.equal(true);
      expect(isSignedByMeta('app-secret', sign('app-secret', body).toUpperCase().replace('SHA256=', 'sha256='), body)).to.equal(true);
    });
    it('refuses another secret, a changed body, a missing or malformed header', () => {
      expect(isSignedByMeta('app-secret', sign('other-secret', body), body)).to.equal(false);
      expect(isSignedByMeta('app-secret', sign('app-secret', body), Buffer.from(`${body} `))).to.equal(false);
      expect(isSignedByMeta('app-secret', undefined, body)).to.equal(false);
      expect(isSignedByMeta('app-secret', 'sha256=abc', body)).to.equal(false);
    });
    it('refuses bottender’s malformed header', () => {
      const malformed = vectors.find((v) => v.name === 'bottender_missing_prefix')!;
      expect(isSignedByMeta(malformed.app_secret, malformed.signature, Buffer.from(malformed.raw_body))).to.equal(false);
    });
    it('refuses the legacy SHA-1 X-Hub-Signature even when it is valid: only SHA-256 is accepted', () => {
      const legacy = vectors.find((v) => v.name === 'bottender_sha1_legacy')!;
      const raw = Buffer.from(legacy.raw_body);
      expect(`sha1=${createHmac('sha1', legacy.app_secret).update(raw).digest('hex')}`).to.equal(legacy.signature);
      expect(isSignedByMeta(legacy.app_secret, legacy.signature, raw)).to.equal(false);
    });
  });

  describe('shared secrets (Telegram’s X-Telegram-Bot-Api-Secret-Token, Meta’s verify token)', () => {
    it('matches only the exact secret, whatever the lengths', () => {
      expect(sameSecret('s3cret', 's3cret')).to.equal(true);
      expect(sameSecret('s3cret ', 's3cret')).to.equal(false);
      expect(sameSecret('', 's3cret')).to.equal(false);
      expect(sameSecret(undefined, 's3cret')).to.equal(false);
    });
  });
});
