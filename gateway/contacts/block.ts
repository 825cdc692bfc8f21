import { toContactJson, type ContactJson } from '../../db/repositories/contact-profiles.js';
import { query } from '../../db/sql.js';
import type { ChangeContext } from './change.js';
import { lockLiveContact } from './profiles.js';

/**
 * Blocks or unblocks a contact. The resolver reads the flag under a row lock on every batch, so the very
 * next message is dropped (or flows again); messages dropped meanwhile are not replayed. Blocked contacts
 * drop out of merge suggestions while they stay blocked. Repeating the call changes nothing and emits nothing.
 */
export async function setBlocked(ctx: ChangeContext, id: string, blocked: boolean): Promise<ContactJson> {
  const before = await lockLiveContact(ctx.trx, id);
  if ((before.blocked_at !== null) === blocked) return toContactJson(before);
  const [row] = await query<{ blocked_at: Date | null; updated_at: Date }>(ctx.trx,
    'UPDATE contacts SET blocked_at = ?, updated_at = ? WHERE id = ? RETURNING blocked_at, updated_at',
    [blocked ? ctx.now : null, ctx.now, id]);
  const after = toContactJson({ ...before, ...row! });
  ctx.audit({ action: blocked ? 'contact.blocked' : 'contact.unblocked', targetType: 'contact', targetId: id,
    before: { blocked: before.blocked_at !== null }, after: { blocked } });
  ctx.emit({ type: blocked ? 'contact.blocked' : 'contact.unblocked', contactId: id, actor: ctx.actor.name });
  return after;
}
