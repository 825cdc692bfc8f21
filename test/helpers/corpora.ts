import { readFileSync } from 'node:fs';
import type { CountryCode } from 'libphonenumber-js';
import { normaliseEmail } from '../../identity/normalise/email.js';
import { normalisePhone } from '../../identity/normalise/phone.js';

/**
 * The public normalisation corpora in test/fixtures/normalisation, each case with what its source expects and
 * what our normalisers say. "Valid" means a well-formed address or number (junk included: junk is a separate
 * verdict, about whether it may join two people).
 */
export interface CorpusCase {
  corpus: 'libphonenumber-js' | 'validator.js' | 'isemail';
  input: string;
  expected: string;
  ours: string;
  /** Why ours is junk (never matched), when it is. */
  junk?: string;
}

const text = (path: string) => readFileSync(new URL(`../fixtures/normalisation/${path}`, import.meta.url), 'utf8');

export function phoneCases(): CorpusCase[] {
  interface Raw { fn: string; input: string | { country: string; phone: string }; options: (string | { defaultCountry?: string })[]; expected: unknown; expected_e164?: string | null }
  return (JSON.parse(text('libphonenumber-js-cases.json')) as Raw[]).map((c) => {
    const option = c.options[0];
    // The older API's parsed form `{ country, phone }`: a national number and its country.
    const number = typeof c.input === 'string' ? c.input : c.input.phone;
    const country = (typeof c.input === 'object' ? c.input.country : typeof option === 'string' ? option : option?.defaultCountry) as CountryCode | undefined;
    const phone = normalisePhone(number, country);
    const input = `${c.fn}(${JSON.stringify(number)}${country ? `, ${country}` : ''})`;
    const junk = phone.kind === 'junk' ? { junk: phone.reason } : {};
    if (c.fn === 'parseNumber') return { corpus: 'libphonenumber-js', input, expected: c.expected_e164 ?? 'none', ours: phone.value ?? 'none', ...junk };
    if (c.fn === 'parsePhoneNumber.nationalNumber') {
      const national = String(c.expected);
      return { corpus: 'libphonenumber-js', input, expected: national, ours: phone.value?.endsWith(national) ? national : phone.value ?? 'none', ...junk };
    }
    return { corpus: 'libphonenumber-js', input, expected: c.expected ? 'valid' : 'invalid', ours: phone.value ? 'valid' : 'invalid', ...junk };
  });
}

/** validator.js's default option set: the other sets switch on behaviour (display names, IP domains) we never accept. */
export function validatorCases(): CorpusCase[] {
  const [defaults] = JSON.parse(text('validatorjs-isEmail.json')) as { args?: unknown; valid: string[]; invalid: string[] }[];
  return [...defaults!.valid.map((address) => emailCase('validator.js', address, 'valid')),
    ...defaults!.invalid.map((address) => emailCase('validator.js', address, 'invalid'))];
}

/**
 * isemail's cases. `is_email()` calls an address valid below its threshold: ISEMAIL_VALID_CATEGORY, ISEMAIL_DNSWARN
 * and ISEMAIL_RFC5321; comments and folding white space (CFWS), deprecated forms and RFC 5322-only forms are not.
 * Control characters are written as U+2400 + their code, as the file's notes say.
 */
export function isemailCases(): CorpusCase[] {
  const valid = new Set(['ISEMAIL_VALID_CATEGORY', 'ISEMAIL_DNSWARN', 'ISEMAIL_RFC5321']);
  return [...text('isemail-tests.xml').matchAll(/<test id="\d+">([\s\S]*?)<\/test>/g)]
    .map(([, test = '']) => {
      const address = /<address>([^<]*)<\/address>/.exec(test)?.[1] ?? '';
      const category = /<category>(\w+)<\/category>/.exec(test)![1];
      const decoded = decodeXml(address).replace(/[\u2400-\u241f]/g, (symbol) => String.fromCharCode(symbol.charCodeAt(0) - 0x2400));
      return emailCase('isemail', decoded, valid.has(category!) ? 'valid' : 'invalid');
    });
}

function emailCase(corpus: CorpusCase['corpus'], input: string, expected: string): CorpusCase {
  const email = normaliseEmail(input);
  const ours = email.kind === 'email' || (email.kind === 'junk' && email.value !== undefined) ? 'valid' : 'invalid';
  return { corpus, input, expected, ours, ...(email.kind === 'junk' ? { junk: email.reason } : {}) };
}

function decodeXml(value: string): string {
  return value.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
