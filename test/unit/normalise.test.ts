import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { CountryCode } from 'libphonenumber-js';
import { normaliseEmail } from '../../identity/normalise/email.js';
import { normalisePhone } from '../../identity/normalise/phone.js';

const fixture = <T>(path: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as T;

describe('phone normalisation', () => {
  interface PhoneCase { fn: string; input: string; options: (string | { defaultCountry?: string })[]; expected_e164?: string | null }
  const cases = fixture<PhoneCase[]>('normalisation/libphonenumber-js-cases.json').filter((c) => c.fn === 'parseNumber');

  describe('against libphonenumber-js\'s own parse cases', () => {
    for (const c of cases) {
      const option = c.options[0];
      const country = (typeof option === 'string' ? option : option?.defaultCountry) as CountryCode | undefined;
      it(`${JSON.stringify(c.input)}${country ? ` in ${country}` : ''} → ${c.expected_e164 ?? 'no E.164'}`, () => {
        const result = normalisePhone(c.input, country);
        expect(result.kind === 'e164' ? result.value : null).to.equal(c.expected_e164 ?? null);
      });
    }
  });

  it('reads a number without + in the country it is given (the receiving account\'s, see sender facts)', () => {
    expect(normalisePhone('030 901820', 'DE')).to.deep.include({ kind: 'e164', value: '+4930901820' });
  });
  it('keeps a number without + raw when no country is known, so it is never a match key', () => {
    expect(normalisePhone('07700 900123')).to.deep.equal({ kind: 'raw', value: '07700 900123' });
  });
  for (const junk of ['', 'null', 'undefined', 'unknown', 'anonymous', '0000000', '+1 111 111 1111', '9999999999']) {
    it(`treats ${JSON.stringify(junk)} as junk`, () => expect(normalisePhone(junk).kind).to.equal('junk'));
  }
});

describe('email normalisation', () => {
  const [defaults] = fixture<{ valid: string[]; invalid: string[] }[]>('normalisation/validatorjs-isEmail.json');
  describe('validator.js isEmail default cases', () => {
    for (const address of defaults!.valid) {
      it(`accepts ${JSON.stringify(address).slice(0, 60)}`, () => expect(normaliseEmail(address).kind).to.equal('email'));
    }
    for (const address of defaults!.invalid) {
      it(`never matches on ${JSON.stringify(address).slice(0, 60)}`, () => expect(normaliseEmail(address).kind).to.not.equal('email'));
    }
  });
  it('trims and lowercases', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).to.deep.equal({ kind: 'email', value: 'ada.lovelace@example.com' });
  });
  for (const junk of ['', 'null', 'unknown@example.com', 'anonymous', 'undefined']) {
    it(`treats ${JSON.stringify(junk)} as junk`, () => expect(normaliseEmail(junk).kind).to.equal('junk'));
  }
});
