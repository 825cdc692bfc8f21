import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { waitFor } from './wait-for.js';

/** The password every test mailbox has (a static passdb): any user name logs in with it. */
export const MAIL_PASSWORD = 'test-mail-password';

export interface TestMailServer {
  port: number;
  /** An `EMAIL_MAILBOXES` URL for `user` (plain IMAP on loopback, no STARTTLS). */
  mailboxUrl(user: string, options?: { password?: string; folder?: string; query?: string }): string;
  /** Delivers a raw RFC 822 message to `user`'s folder with IMAP APPEND. */
  append(user: string, raw: string | Buffer, folder?: string): Promise<void>;
  /** A logged-in client, for what a test does besides appending (creating, deleting folders, reading flags). */
  client(user: string): Promise<ImapFlow>;
  stop(): Promise<void>;
}

/**
 * A private Dovecot (Debian's `dovecot-imapd`) on a random loopback port, with a throw-away maildir: not the
 * system service. Its login processes refuse to run as root, so mail is owned by `nobody` and logins run as
 * `dovenull`; there is no TLS (loopback only).
 */
export async function startDovecot(): Promise<TestMailServer> {
  const home = mkdtempSync(join(tmpdir(), 'tributary-dovecot-'));
  chmodSync(home, 0o755);
  for (const dir of ['run', 'state', 'mail']) mkdirSync(join(home, dir));
  chownSync(join(home, 'mail'), 65_534, 65_534);
  const port = await freePort();
  const conf = join(home, 'dovecot.conf');
  writeFileSync(conf, `protocols = imap
listen = 127.0.0.1
base_dir = ${home}/run
state_dir = ${home}/state
log_path = ${home}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:${home}/mail/%u
first_valid_uid = 1
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
service anvil {
  chroot =
}
passdb {
  driver = static
  args = password=${MAIL_PASSWORD}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${home}/mail/%u
}
`);
  // Dovecot's master goes to the background holding whatever stdio it was given: give it none, or this would wait for it.
  const started = spawnSync('dovecot', ['-c', conf], { stdio: 'ignore' });
  if (started.status !== 0) throw new Error(`dovecot did not start (exit ${started.status}); its log says:\n${readLog(home)}`);
  const login = (user: string) => new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false,
    auth: { user, pass: MAIL_PASSWORD }, logger: false });
  await waitFor(async () => {
    const client = login('probe@example.com');
    await client.connect();
    await client.logout();
    return true;
  }, { what: `dovecot on 127.0.0.1:${port}; its log says:\n${readLog(home)}` });

  return {
    port,
    mailboxUrl(user, options = {}) {
      const query = ['starttls=false', 'poll=5', options.query].filter(Boolean).join('&');
      return `imap://${encodeURIComponent(user)}:${encodeURIComponent(options.password ?? MAIL_PASSWORD)}@127.0.0.1:${port}/`
        + `${encodeURIComponent(options.folder ?? 'INBOX')}?${query}`;
    },
    async append(user, raw, folder = 'INBOX') {
      const client = login(user);
      await client.connect();
      try {
        await client.append(folder, raw);
      } finally {
        await client.logout();
      }
    },
    async client(user) {
      const client = login(user);
      await client.connect();
      return client;
    },
    async stop() {
      spawnSync('dovecot', ['-c', conf, 'stop'], { stdio: 'ignore' });
      await waitFor(() => spawnSync('pgrep', ['-f', conf]).status !== 0, { what: 'dovecot to stop', timeoutMs: 10_000 }).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function readLog(home: string): string {
  try {
    return readFileSync(join(home, 'dovecot.log'), 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}
