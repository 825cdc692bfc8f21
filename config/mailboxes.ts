import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../identity/parse.js';

/** One IMAP mailbox the `email` process reads. */
export interface MailboxConfig {
  /** The mailbox's email address: the `account` of its envelopes, and never a customer's address. */
  address: string;
  host: string;
  port: number;
  /** TLS from the first byte (`imaps://`, port 993). */
  secure: boolean;
  /** Upgrade a plain connection with STARTTLS (`imap://`); off only for a plain loopback server. */
  starttls: boolean;
  auth: { user: string; pass: string } | { user: string; accessToken: string };
  folders: string[];
  /** Flag what was read `\Seen`; off by default: the mailbox stays as people left it. */
  markSeen: boolean;
  /** How often to look for new mail besides IMAP IDLE (a server without IDLE, or one that stays silent). */
  pollIntervalS: number;
  /** More addresses that are ours (aliases delivered to this mailbox): never a customer's. */
  aliases: string[];
}

const mailboxFile = z.array(z.object({
  address: z.email().optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).optional(),
  secure: z.boolean().default(true),
  starttls: z.boolean().default(true),
  user: z.string().min(1),
  password: z.string().optional(),
  accessToken: z.string().optional(),
  folders: z.array(z.string().min(1)).min(1).default(['INBOX']),
  markSeen: z.boolean().default(false),
  pollIntervalS: z.number().int().min(5).max(3_600).default(60),
  aliases: z.array(z.email()).default([]),
}).strict().refine((entry) => (entry.password === undefined) !== (entry.accessToken === undefined),
  'give either password or accessToken (OAuth2)')).min(1);

/**
 * `EMAIL_MAILBOXES`: comma-separated IMAP URLs (`imaps://user:password@imap.example.com:993/INBOX`, user and
 * password URL-encoded; `imap://…?starttls=false` for a plain loopback server; `?seen=true`, `?poll=30`,
 * `?address=support@example.com`), or `@/path/to/mailboxes.json` for OAuth2 tokens, several folders and aliases.
 * Throws an Error whose message says what is wrong with which mailbox.
 */
export function parseMailboxes(value: string): MailboxConfig[] {
  if (value.startsWith('@')) return fromFile(value.slice(1));
  return value.split(',').map((entry) => entry.trim()).filter(Boolean).map(fromUrl);
}

function fromUrl(text: string): MailboxConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${redact(text)}" is not a URL such as imaps://user:password@imap.example.com:993/INBOX`);
  }
  if (url.protocol !== 'imaps:' && url.protocol !== 'imap:') throw new Error(`${redact(text)}: the scheme must be imaps:// or imap://`);
  const user = decodeURIComponent(url.username);
  if (!user || !url.password) throw new Error(`${redact(text)}: give the user and the password in the URL (URL-encoded)`);
  const address = url.searchParams.get('address') ?? user;
  if (!z.email().safeParse(address).success) {
    throw new Error(`${redact(text)}: the user is not an email address; say which address the mailbox has with ?address=`);
  }
  const secure = url.protocol === 'imaps:';
  const poll = Number(url.searchParams.get('poll') ?? 60);
  if (!Number.isInteger(poll) || poll < 5 || poll > 3_600) throw new Error(`${redact(text)}: poll must be 5 to 3600 seconds`);
  return {
    address: address.toLowerCase(), host: url.hostname, port: Number(url.port || (secure ? 993 : 143)), secure,
    starttls: url.searchParams.get('starttls') !== 'false', auth: { user, pass: decodeURIComponent(url.password) },
    folders: [decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX'], markSeen: url.searchParams.get('seen') === 'true',
    pollIntervalS: poll, aliases: [],
  };
}

function fromFile(path: string): MailboxConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  const parsed = mailboxFile.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data.map((entry) => ({
    address: (entry.address ?? entry.user).toLowerCase(), host: entry.host, port: entry.port ?? (entry.secure ? 993 : 143),
    secure: entry.secure, starttls: entry.starttls,
    auth: entry.accessToken !== undefined ? { user: entry.user, accessToken: entry.accessToken } : { user: entry.user, pass: entry.password! },
    folders: entry.folders, markSeen: entry.markSeen, pollIntervalS: entry.pollIntervalS,
    aliases: entry.aliases.map((alias) => alias.toLowerCase()),
  }));
}

/** A mailbox URL as it may be shown: without its password. */
function redact(text: string): string {
  return text.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
