import type { Knex } from 'knex';
import { lockContactRows, toContactJson, writeBlockedAt, type ContactJson, type ContactRow }
  from '../db/repositories/contact-profiles.js';
import type { ContactStatus } from '../db/repositories/contacts.js';
import type { ChangeContext } from './change.js';
import { ConflictError, NotFoundError } from './errors.js';

/**
 * A contact's status: `live`, `blocked`, `merged` or `deleted`. PostgreSQL derives it from `blocked_at` and
 * `merged_into` (the `status` column), so every query reads the same rule; this module and `merge.ts` and
 * `delete.ts` are the only code that moves a contact from one status to another.
 */
export type { ContactStatus } from '../db/repositories/contacts.js';

export function statusOf(row: Pick<ContactRow, 'status'> | undefined): ContactStatus {
  return row?.status ?? 'deleted';
}

/** Locks a contact for a change; a merged-away contact cannot be changed (its survivor can). */
export async function lockLiveContact(trx: Knex.Transaction, id: string): Promise<ContactRow> {
  const [row] = await lockContactRows(trx, [id]);
  const status = statusOf(row);
  if (status === 'deleted') throw new NotFoundError(`contact ${id} does not exist`);
  if (status === 'merged') throw new ConflictError(`contact ${id} was merged into ${row!.merged_into}`, { mergedInto: row!.merged_into });
  return row!;
}

/**
 * Blocks or unblocks a contact. The resolver reads the status under a row lock on every batch, so the very
 * next message is dropped (or flows again); messages dropped meanwhile are not replayed. Blocked contacts
 * drop out of merge suggestions while they stay blocked. Repeating the call changes nothing and emits nothing.
 */
export async function setBlocked(ctx: ChangeContext, id: string, blocked: boolean): Promise<ContactJson> {
  const before = await lockLiveContact(ctx.trx, id);
  if ((statusOf(before) === 'blocked') === blocked) return toContactJson(before);
  const after = toContactJson(await writeBlockedAt(ctx.trx, id, blocked ? ctx.now : null, ctx.now));
  ctx.audit({ action: blocked ? 'contact.blocked' : 'contact.unblocked', targetType: 'contact', targetId: id,
    before: { blocked: !blocked }, after: { blocked } });
  ctx.emit({ type: blocked ? 'contact.blocked' : 'contact.unblocked', contactId: id, actor: ctx.actor.name });
  return after;
}
