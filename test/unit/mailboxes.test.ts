import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../config/index.js';
import { parseMailboxes } from '../../config/mailboxes.js';

describe('EMAIL_MAILBOXES', () => {
  it('reads IMAP URLs: URL-encoded user and password, folder, options', () => {
    expect(parseMailboxes('imaps://support%40acme.com:p%40ss%2Fword@imap.example.com/Support%20Desk?seen=true&poll=30, imap://me@x.example:pw@127.0.0.1:1143/?starttls=false'))
      .to.deep.equal([
        { address: 'support@acme.com', host: 'imap.example.com', port: 993, secure: true, starttls: true,
          auth: { user: 'support@acme.com', pass: 'p@ss/word' }, folders: ['Support Desk'], markSeen: true, pollIntervalS: 30, aliases: [] },
        { address: 'me@x.example', host: '127.0.0.1', port: 1143, secure: false, starttls: false,
          auth: { user: 'me@x.example', pass: 'pw' }, folders: ['INBOX'], markSeen: false, pollIntervalS: 60, aliases: [] },
      ]);
  });
  it('reads a JSON file for OAuth2 tokens, several folders and aliases', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mailboxes-')), 'mailboxes.json');
    writeFileSync(file, JSON.stringify([{ host: 'imap.gmail.com', user: 'Support@Acme.com', accessToken: 'ya29.x', folders: ['INBOX', 'VIP'],
      aliases: ['Help@Acme.com'] }]));
    expect(parseMailboxes(`@${file}`)).to.deep.equal([{ address: 'support@acme.com', host: 'imap.gmail.com', port: 993, secure: true,
      starttls: true, auth: { user: 'Support@Acme.com', accessToken: 'ya29.x' }, folders: ['INBOX', 'VIP'], markSeen: false,
      pollIntervalS: 60, aliases: ['help@acme.com'] }]);
  });
  const refused: [string, RegExp][] = [
    ['pop3://a%40b.example:pw@host/INBOX', /scheme must be imaps/],
    ['imaps://imap.example.com/INBOX', /give the user and the password/],
    ['imaps://support:secret@imap.example.com/INBOX', /not an email address; say which address the mailbox has with \?address=/],
    ['imaps://a%40b.example:secret@host/INBOX?poll=1', /poll must be 5 to 3600/],
  ];
  for (const [value, message] of refused) {
    it(`stops start-up with a sentence, never showing the password: ${value.replace(/:[^:@/]+@/, ':…@')}`, () => {
      let failure: unknown;
      try {
        loadConfig({ EMAIL_MAILBOXES: value });
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(ConfigError);
      expect((failure as Error).message).to.match(/^invalid configuration — EMAIL_MAILBOXES: /).and.match(message);
      expect((failure as Error).message).not.to.include('secret');
    });
  }
});
