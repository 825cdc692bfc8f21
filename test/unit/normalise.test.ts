import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { normaliseEmail } from '../../identity/normalise/email.js';
import { equivalenceReason, mailboxOf } from '../../identity/normalise/mailbox.js';
import { countryOfPhone, normalisePhone } from '../../identity/normalise/phone.js';
import { artifactPath } from '../helpers/artifacts.js';
import { isemailCases, phoneCases, validatorCases, type CorpusCase } from '../helpers/corpora.js';

/**
 * Where our normalisers knowingly disagree with a public corpus, and why. Any other disagreement fails the test:
 * a normaliser that disagrees with a real case without a reason here is wrong.
 */
const KEPT: { corpus: CorpusCase['corpus']; when: (c: CorpusCase) => boolean; reason: string }[] = [
  { corpus: 'libphonenumber-js', reason: 'full metadata: the number\'s pattern is not one its region assigns (the case was written for the reduced metadata, which checks lengths only)',
    when: (c) => ['parseNumber("010-852644821", CN)', 'parseNumber("+12460000000")', 'isValidNumber("961111111", UZ)',
      'isValidNumber("300000000", UA)'].includes(c.input) },
  { corpus: 'libphonenumber-js', reason: 'junk: a national number of one repeated digit', when: (c) => c.input === 'isValidNumber("+3725555555")' },
  { corpus: 'libphonenumber-js', reason: 'we read a number out of the text around it, as profile fields and forms carry labels and spaces',
    when: (c) => ['isValidPhoneNumber("Call: 8 (800) 555 35 35", RU)', 'isValidPhoneNumber(" +7 (800) 555 35 35")'].includes(c.input) },
  { corpus: 'isemail', reason: 'white space and line folding around an address are trimmed: forms and headers pad addresses',
    when: (c) => c.expected === 'invalid' && c.input.trim() !== c.input && normaliseEmail(c.input.trim()).kind !== 'invalid' },
  { corpus: 'isemail', reason: 'a domain must end in a top-level domain of letters (two or more) or an IDN: address literals, dotless, numeric and one-letter top-level domains reach a host, never a customer\'s mailbox',
    when: (c) => c.expected === 'valid' && /@(\[.*\]|[^.]+|.*\.(\d+|[a-z]|[a-z]+-[a-z]+))$/.test(c.input) },
  { corpus: 'isemail', reason: 'a quoted pair may escape a non-ASCII character: SMTPUTF8 (RFC 6531) carries them', when: (c) => c.input === '"test\\©"@iana.org' },
];

describe('the normalisers against public corpora', () => {
  const corpora = { 'libphonenumber-js': phoneCases(), 'validator.js': validatorCases(), isemail: isemailCases() };
  const scores: Record<string, unknown> = {};
  for (const [corpus, cases] of Object.entries(corpora)) {
    it(`${corpus}: agrees on every case but the disagreements kept with a reason`, () => {
      const disagreements = cases.filter((c) => c.expected !== c.ours);
      const unexplained = disagreements.filter((c) => !KEPT.some((k) => k.corpus === corpus && k.when(c)));
      expect(unexplained.map((c) => `${c.input}: expected ${c.expected}, ours ${c.ours}`)).to.deep.equal([]);
      const kept = KEPT.filter((k) => k.corpus === corpus).map((k) => ({ reason: k.reason, cases: disagreements.filter(k.when).map((c) => c.input) }));
      for (const k of kept) expect(k.cases, `a kept disagreement that no longer happens: ${k.reason}`).not.to.be.empty;
      scores[corpus] = { cases: cases.length, correct: cases.length - disagreements.length, kept,
        validButJunk: cases.filter((c) => c.expected === 'valid' && c.junk).map((c) => `${c.input}: ${c.junk}`) };
    });
  }
  after(() => writeFileSync(artifactPath('normalisation-scores.json'), `${JSON.stringify(scores, null, 2)}\n`));
});

describe('phone normalisation', () => {
  it('reads a number without + in the country it is given (the receiving account\'s, see sender facts)', () => {
    expect(normalisePhone('030 901820', 'DE')).to.deep.include({ kind: 'e164', value: '+4930901820' });
  });
  it('reads 00 and a country code as international when no country is known (email, web chat, Telegram, Meta)', () => {
    expect(normalisePhone('0049 151 23456789')).to.deep.include({ kind: 'e164', value: '+4915123456789' });
    expect(normalisePhone('00 44 7911 123456')).to.deep.include({ kind: 'e164', value: '+447911123456' });
    expect(normalisePhone('011 49 151 23456789', 'US')).to.deep.include({ kind: 'e164', value: '+4915123456789' });
  });
  it('never matches on a national number when no country is known', () => {
    expect(normalisePhone('07911 123456')).to.deep.include({ kind: 'junk', reason: 'a national number, and no country to read it in' });
  });
  it('checks validity with the full metadata, not lengths alone', () => {
    expect(normalisePhone('+12460000000').kind).to.equal('junk');
    expect(normalisePhone('+15558675310').kind).to.equal('junk'); // area code 555 is not assigned
  });

  const junk: [string, string | undefined, RegExp][] = [
    ['+10000000000', undefined, /repeated digit/],
    ['1234567890', undefined, /run of consecutive digits/],
    ['1234567890', 'US', /run of consecutive digits/],
    ['+11234567890', undefined, /run of consecutive digits|not a valid number/],
    ['9876543210', 'IN', /run of consecutive digits/],
    ['+15555555555', undefined, /repeated digit/],
    ['+12025550100', undefined, /fiction \(NANPA/],
    ['+1 (212) 555-0199', undefined, /fiction \(NANPA/],
    ['+447700900123', undefined, /fiction \(Ofcom/],
    ['020 7946 0958', 'GB', /fiction \(Ofcom/],
    ['+61 491 570 156', undefined, /fiction \(ACMA/],
    ['+266696687', undefined, /withheld caller id \(ANONYMOUS\)/],
    ['+7378742833', undefined, /withheld caller id \(RESTRICTED\)/],
    ['+8656696', undefined, /withheld caller id \(UNKNOWN\)/],
    ['+2562533', undefined, /withheld caller id \(BLOCKED\)/],
    ['+86282452253', undefined, /withheld caller id \(UNAVAILABLE\)/],
    ['0000000', 'DE', /repeated digit/],
    ['+49 1111 111111', undefined, /repeated digit/],
    ['', undefined, /placeholder/],
    ['unknown', undefined, /placeholder/],
    ['anonymous', undefined, /placeholder/],
    ['+44 20 1234', undefined, /not a valid number/],
  ];
  for (const [input, country, reason] of junk) {
    it(`${JSON.stringify(input)}${country ? ` in ${country}` : ''} is junk: ${reason.source}`, () => {
      const phone = normalisePhone(input, country as never);
      expect(phone.kind).to.equal('junk');
      expect(phone.kind === 'junk' && phone.reason).to.match(reason);
    });
  }
  for (const [input, expected] of [['+4915123456789', '+4915123456789'], ['+1 415 867 5309', '+14158675309'], ['+447911123456', '+447911123456'],
    ['+61 412 345 678', '+61412345678'], ['+33 6 12 34 56 78', '+33612345678'], ['+91 98765 43211', '+919876543211']] as const) {
    it(`${input} is a person's number: ${expected}`, () => expect(normalisePhone(input)).to.deep.include({ kind: 'e164', value: expected }));
  }
  it('keeps the E.164 form of a well-formed number reserved for fiction, so a person may still store it', () => {
    expect(normalisePhone('+12025550100')).to.deep.include({ kind: 'junk', value: '+12025550100' });
  });
  it('knows a number\'s country', () => {
    expect(countryOfPhone('+4930901820')).to.equal('DE');
    expect(countryOfPhone('+14158675309')).to.equal('US');
    expect(countryOfPhone(undefined)).to.equal(undefined);
  });
});

describe('email normalisation', () => {
  it('trims and lowercases', () => {
    expect(normaliseEmail('  Ada.Lovelace@Acme.COM ')).to.deep.equal({ kind: 'email', value: 'ada.lovelace@acme.com' });
  });
  const junk: [string, RegExp][] = [
    ['test@test.com', /placeholder mailbox/],
    ['test@example.com', /placeholder mailbox|reserved domain/],
    ['ada@example.com', /reserved domain/],
    ['ada@mail.example.org', /reserved domain/],
    ['ada@example.co.uk', /reserved domain/],
    ['ada@shop.test', /reserved domain/],
    ['ada@nowhere.invalid', /reserved domain/],
    ['ada@acme.example', /reserved domain/],
    ['ada@printer.local', /reserved domain/],
    ['noreply@example.com', /robot mailbox|reserved domain/],
    ['noreply@acme.com', /robot mailbox/],
    ['no-reply@acme.com', /robot mailbox/],
    ['do-not-reply@acme.com', /robot mailbox/],
    ['donotreply@acme.com', /robot mailbox/],
    ['mailer-daemon@googlemail.com', /robot mailbox/],
    ['MAILER-DAEMON@mx.acme.com', /robot mailbox/],
    ['postmaster@acme.com', /robot mailbox/],
    ['bounces+12345@mail.acme.com', /robot mailbox/],
    ['bounce-ab12@mail.acme.com', /robot mailbox/],
    ['a@a.com', /typed placeholder/],
    ['asdf@asdf.com', /placeholder mailbox/],
    ['none@acme.com', /placeholder mailbox/],
    ['null@acme.com', /placeholder mailbox/],
    ['noemail@acme.com', /placeholder mailbox/],
    ['nobody@acme.com', /placeholder mailbox/],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, /longer than 254/],
    ['"ada\u0007"@acme.com', /control characters/],
    ['', /placeholder/],
    ['unknown', /placeholder/],
  ];
  for (const [input, reason] of junk) {
    it(`${JSON.stringify(input).slice(0, 60)} is junk: ${reason.source}`, () => {
      const email = normaliseEmail(input);
      expect(email.kind).to.equal('junk');
      expect(email.kind === 'junk' && email.reason).to.match(reason);
    });
  }
  for (const address of ['ada@acme.com', 'info@acme.com', 'j.smith+shop@gmail.com', 'testa@acme.com', 'x@xerox.com', 'ab@abc.com']) {
    it(`${address} is a person's address`, () => expect(normaliseEmail(address)).to.deep.equal({ kind: 'email', value: address }));
  }
});

describe('provider mailboxes', () => {
  const same: [string, string, string][] = [
    ['j.smith+shop@gmail.com', 'jsmith@gmail.com', 'Gmail'],
    ['J.Smith@googlemail.com'.toLowerCase(), 'jsmith@gmail.com', 'Gmail'],
    ['ada+news@outlook.com', 'ada@outlook.com', 'Outlook'],
    ['ada+x@hotmail.co.uk', 'ada@hotmail.co.uk', 'Outlook'],
    ['ada+x@fastmail.com', 'ada@fastmail.com', 'Fastmail'],
    ['ada+x@icloud.com', 'ada@icloud.com', 'iCloud'],
    ['ada+x@proton.me', 'ada@proton.me', 'Proton'],
    ['ada-shopping@yahoo.com', 'ada@yahoo.com', 'Yahoo'],
  ];
  for (const [a, b, rule] of same) {
    it(`${a} and ${b} are one ${rule} mailbox`, () => {
      expect(mailboxOf(a)?.key).to.equal(mailboxOf(b)?.key);
      expect(mailboxOf(a)?.rule).to.equal(rule);
    });
  }
  const different: [string, string][] = [
    ['j.smith@outlook.com', 'jsmith@outlook.com'], // only Gmail ignores dots
    ['ada+x@acme.com', 'ada@acme.com'], // a company's own server: its rules are unknown
    ['ada-x@gmail.com', 'ada@gmail.com'], // Gmail tags with +, not -
    ['ada@gmail.com', 'ada@outlook.com'],
  ];
  for (const [a, b] of different) {
    it(`${a} and ${b} are not one mailbox`, () => expect(mailboxOf(a)?.key ?? a).not.to.equal(mailboxOf(b)?.key ?? b));
  }
  it('says which rule made two spellings one mailbox', () => {
    expect(equivalenceReason('Gmail', 'j.smith+shop@gmail.com', 'jsmith@gmail.com')).to.equal('same Gmail mailbox: j.smith+shop@ vs jsmith@');
  });
});
