import type { MailboxConfig } from '../../config/index.js';

/** One mailbox the `email` process reads (EMAIL_MAILBOXES): where, as whom, which folders, and how. */
export type MailboxSettings = MailboxConfig;
