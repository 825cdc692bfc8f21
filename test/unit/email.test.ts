import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { classify } from '../../connectors/email/classify.js';
import { normaliseMail, type MailboxIdentity } from '../../connectors/email/normalise.js';
import { parseMail } from '../../connectors/email/parse.js';
import { withoutQuotedHistory } from '../../connectors/email/quotes.js';
import { streamContract } from '../contract/stream.contract.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/email/', import.meta.url));
const raw = (path: string) => readFileSync(join(FIXTURES, path));
const mailbox: MailboxIdentity = { address: 'support@acme.example', own: new Set(['support@acme.example', 'help@acme.example']) };
const receivedAt = new Date('2026-11-30T12:00:00Z');
const normalise = async (source: Buffer | string, internalDate?: Date) => {
  const bytes = Buffer.isBuffer(source) ? source : Buffer.from(source);
  return normaliseMail(await parseMail(bytes), bytes, mailbox, internalDate, receivedAt);
};
const mail = (headers: Record<string, string>, body = 'Hello, my order did not arrive.') =>
  `${Object.entries({ From: 'Ada <ada@example.org>', To: 'support@acme.example', Subject: 'Order 1234', 'Message-ID': '<m1@example.org>',
    Date: 'Mon, 30 Nov 2026 10:00:00 +0000', ...headers }).filter(([, value]) => value !== '').map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}\r\n`;

function emlFiles(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(FIXTURES, path)).isDirectory() ? emlFiles(path) : name.endsWith('.eml') ? [path] : [];
  });
}

// Every real email we have, customers, auto-replies, bounces, and the ruby-mail corpus's odd dates, encodings,
// charsets and several From headers: envelopes that meet the contract or a reason, ids stable across reads.
streamContract({
  channel: 'Email',
  samples: () => ['chatwoot', 'mailparser', 'ruby-mail', 'flufl-bounce'].flatMap(emlFiles).map((file): [string, Buffer] => [file, raw(file)]),
  normalise: async (source, at) => normaliseMail(await parseMail(source), source, mailbox, undefined, at),
});

describe('the email channel, pure parts', () => {
  describe('bounces, from the flufl.bounce corpus of 103 real reports from many MTAs', () => {
    const expected = JSON.parse(raw('flufl-bounce/expected.json').toString()).cases as Record<string, { detector: string; failedRecipients: string[] }>;
    const files = emlFiles('flufl-bounce');
    it('holds the whole corpus', () => expect(files).to.have.length(103));
    for (const file of files) {
      it(`${file} is a bounce, never a customer`, async () => {
        const normalised = await normalise(raw(file));
        expect(normalised.envelopes).to.deep.equal([]);
        expect(normalised.skipped.map((event) => event.reason)).to.deep.equal(['bounce']);
      });
    }
    it('names the failed recipients of every RFC 3464 report (dsn_*), and of most of the others', async () => {
      let named = 0;
      let total = 0;
      for (const file of files) {
        const wanted = (expected[file.split('/').pop()!]?.failedRecipients ?? []).map((address) => address.toLowerCase());
        if (wanted.length === 0) continue;
        total++;
        const kind = classify(await parseMail(raw(file)));
        const found = kind.kind === 'bounce' && wanted.every((address) => kind.failedRecipients.includes(address));
        if (found) named++;
        if (file.includes('dsn_') && expected[file.split('/').pop()!]?.detector === 'dsn') expect(found, file).to.equal(true);
      }
      expect(named / total).to.be.at.least(0.7);
    });
  });

  describe('auto-replies', () => {
    for (const file of ['chatwoot/auto_reply.eml', 'chatwoot/auto_reply_with_auto_submitted.eml', 'chatwoot/non_utf_encoded_mail.eml']) {
      it(`${file} is skipped as an auto-reply`, async () => {
        expect((await normalise(raw(file))).skipped.map((event) => event.reason)).to.deep.equal(['auto_reply']);
      });
    }
    const table: [string, Record<string, string>, string][] = [
      ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }, 'auto_reply'],
      ['Auto-Submitted: no is a person', { 'Auto-Submitted': 'no' }, 'message'],
      ['X-Autoreply: yes', { 'X-Autoreply': 'yes' }, 'auto_reply'],
      ['Precedence: bulk', { Precedence: 'bulk' }, 'auto_reply'],
      ['Precedence: list is a person on a list', { Precedence: 'list' }, 'message'],
      ['Out of Office subject', { Subject: 'Out of Office: back on Monday' }, 'auto_reply'],
      ['Automatic reply subject', { Subject: 'Automatic reply: Order 1234' }, 'auto_reply'],
      ['a German vacation notice', { Subject: 'Abwesenheitsnotiz: Order 1234' }, 'auto_reply'],
      ['a French one', { Subject: 'Réponse automatique : Order 1234' }, 'auto_reply'],
      ['a customer asking about "delivery status"', { Subject: 'Delivery status of order 1234?' }, 'message'],
      ['a customer forwarding a failed delivery in their own words', { Subject: 'Fwd: Undeliverable: invoice' }, 'message'],
    ];
    for (const [name, headers, outcome] of table) {
      it(`${name} → ${outcome}`, async () => {
        const normalised = await normalise(mail(headers));
        expect(normalised.envelopes.length > 0 ? 'message' : normalised.skipped[0]?.reason).to.equal(outcome);
      });
    }
    it('a read receipt (disposition-notification) is a receipt', async () => {
      const receipt = mail({ 'Content-Type': 'multipart/report; report-type=disposition-notification; boundary="b"' },
        '--b\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--b\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--b--');
      expect((await normalise(receipt)).skipped.map((event) => event.reason)).to.deep.equal(['receipt']);
    });
  });

  describe('customer mail', () => {
    const customers = emlFiles('chatwoot').filter((file) => !/auto_reply|bounced|non_utf_encoded/.test(file));
    for (const file of customers) {
      it(`${file} is one customer message`, async () => {
        const normalised = await normalise(raw(file));
        expect(normalised.skipped).to.deep.equal([]);
        expect(normalised.envelopes).to.have.length(1);
      });
    }
    it('takes the sender from From, lower-cased, the name from its display name, the thread from References', async () => {
      const [envelope] = (await normalise(raw('chatwoot/support_uppercase.eml'))).envelopes;
      expect(envelope).to.deep.include({ channel: 'email', account: 'support@acme.example', sender: { kind: 'email', id: 'sony@chatwoot.com' } });
      expect(envelope!.profile).to.deep.equal({ name: 'Sony Mathew' });
      expect(envelope!.message).to.deep.include({ providerId: '0CB459E0-0336-41DA-BC88-E6E28C697DDB@chatwoot.com',
        subject: 'Discussion: Let\'s debate these attachments', threadId: '4e6e35f5a38b4_479f13bb90078178@small-app-01.mail' });
    });
    it('trims the quoted history of a reply', async () => {
      const [envelope] = (await normalise(raw('chatwoot/mail_with_quote.eml'))).envelopes;
      expect(envelope!.message.text).to.equal('Yes, I am providing you step how to reproduce this issue');
    });
    it('reads HTML as text when there is no plain part', async () => {
      expect((await normalise(raw('chatwoot/only_html.eml'))).envelopes[0]!.message.text).to.equal('THIS IS HTML ONLY MAIL');
    });
    it('lists attachments by name, type and size, without their content', async () => {
      const { attachments } = (await normalise(raw('chatwoot/multiple_attachments.eml'))).envelopes[0]!.message;
      expect(attachments.length).to.be.greaterThan(1);
      expect(attachments[0]).to.deep.equal({ type: 'image', contentType: 'image/png', size: 0, name: 'Screenshot 2023-05-03 at 3.32.04 PM.png' });
      const { attachments: [pdf] } = (await normalise(raw('chatwoot/email_with_inline_pdf.eml'))).envelopes[0]!.message;
      expect(pdf).to.include({ type: 'file', contentType: 'application/pdf' });
      expect(pdf!.size).to.be.greaterThan(1_000);
    });
    it('uses Sender when From lists several addresses', async () => {
      const [envelope] = (await normalise(mail({ From: 'a@example.org, b@example.org', Sender: 'Desk <desk@example.org>' }))).envelopes;
      expect(envelope!.sender.id).to.equal('desk@example.org');
    });
    it('makes the id from a hash of the raw message when there is no Message-ID', async () => {
      const withoutId = mail({ 'Message-ID': '' });
      const [one, two] = [(await normalise(withoutId)).envelopes[0]!, (await normalise(withoutId)).envelopes[0]!];
      expect(one.message.providerId).to.match(/^sha256:[0-9a-f]{64}$/);
      expect(two.id).to.equal(one.id);
    });
    it('falls back to the server\'s date when Date is missing or absurd', async () => {
      const internal = new Date('2026-11-29T08:00:00Z');
      for (const date of ['', 'Thu, 01 Jan 1970 00:00:00 +0000', 'Tue, 30 Nov 2100 10:00:00 +0000']) {
        expect((await normalise(mail({ Date: date }), internal)).envelopes[0]!.message.sentAt).to.equal(internal.toISOString());
      }
    });
    it('skips our own mail (the mailbox or an alias as sender)', async () => {
      expect((await normalise(mail({ From: 'Help <HELP@acme.example>' }))).skipped.map((event) => event.reason)).to.deep.equal(['echo']);
    });
  });

  describe('spoofed senders (mailparser\'s address security cases)', () => {
    const cases = JSON.parse(raw('mailparser/address_security_cases.json').toString()) as { name: string; raw_message: string }[];
    for (const { name, raw_message: message } of cases) {
      it(`${name}: the identity is the real address, never one a display name or an encoded word carries`, async () => {
        const source = Buffer.from(message.replace(/\r\n\r\n/, '\r\nMessage-ID: <spoof@x>\r\n\r\n'));
        const facts = await parseMail(source);
        const normalised = normaliseMail(facts, source, mailbox, undefined, receivedAt);
        for (const envelope of normalised.envelopes) {
          expect(envelope.sender.id).to.equal(facts.from[0]!.address.toLowerCase());
          if (facts.from[0]!.name.includes('@')) expect(envelope.sender.id).not.to.equal(facts.from[0]!.name.toLowerCase());
          expect(envelope.profile.name ?? '').not.to.include('@');
        }
        if (facts.from[0]?.address === '') expect(normalised.skipped.map((event) => event.reason)).to.deep.equal(['no_sender']);
      });
    }
  });


  describe('quoted history', () => {
    const table: [string, string, string][] = [
      ['Gmail, wrapped', 'Thanks!\n\nOn Mon, 30 Nov 2026 at 10:00, Support <\nsupport@acme.example> wrote:\n> old', 'Thanks!'],
      ['Outlook', 'Sure.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nold', 'Sure.'],
      ['German', 'Danke.\n\nAm 30.11.2026 um 10:00 schrieb Support <support@acme.example>:\n> alt', 'Danke.'],
      ['a trailing quote block', 'Yes please\n\n> Would you like a refund?\n>', 'Yes please'],
      ['only quotation: kept', '> just a quote', '> just a quote'],
      ['a quote in the middle: kept', 'Hi\n> you said\nI disagree', 'Hi\n> you said\nI disagree'],
    ];
    for (const [name, text, kept] of table) it(name, () => expect(withoutQuotedHistory(text)).to.equal(kept));
  });
});
