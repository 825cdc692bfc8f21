import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { findContactRow, findContactRows, lockContactRows, toContactJson, type ContactJson, type ContactRow }
  from '../db/repositories/contact-profiles.js';
import { applyMerge, applyUndo, insertMerge, listMerges, lockMerge, markUndone, type MergeRecord } from '../db/repositories/merges.js';
import { PayloadError } from '../identity/parse.js';
import type { Actor, ChangeContext, ContactsContext } from './change.js';
import { ConflictError, NotFoundError } from './errors.js';
import { MERGE_FIELDS, planMerge, type FieldConflict, type MergePlan } from './merge-plan.js';
import { statusOf } from './status.js';

/** Merging up to 25 contacts into one, its preview, its history and its undo. */
export function mergeOperations({ db, run }: ContactsContext) {
  return {
    preview: (request: MergeRequest) => previewMerge(db, request),
    merge: (actor: Actor, request: MergeRequest) => run(actor, (ctx) => performMerge(ctx, request)),
    undo: (actor: Actor, mergeId: string) => run(actor, (ctx) => undoMerge(ctx, mergeId)),
    history: (options: { before?: Date; limit: number }) => listMerges(db, options),
  };
}

export interface MergeRequest {
  primaryId: string;
  secondaryIds: string[];
  fields?: Record<string, string>;
}

export interface MergePreview {
  result: Omit<ContactJson, 'blocked' | 'blockedAt' | 'updatedAt'>;
  conflicts: FieldConflict[];
}

/** What the merge would produce, without changing anything. */
async function previewMerge(db: Knex, request: MergeRequest): Promise<MergePreview> {
  return db.transaction(async (trx) => {
    const rows = await findContactRows(trx, [request.primaryId, ...request.secondaryIds]);
    const { primary, secondaries } = checkParticipants(request, rows);
    const plan = planMerge(primary, secondaries, request.fields);
    return { result: previewContact(primary, plan), conflicts: plan.conflicts };
  }, { readOnly: true });
}

/**
 * Merges secondaries into the primary in one transaction. Participants are locked in id order first, so of
 * two merges over overlapping contacts the second waits and then finds a participant already merged (409);
 * a resolver batch holding one of them finishes first, and any later message follows the merge.
 */
async function performMerge(ctx: ChangeContext, request: MergeRequest): Promise<MergeRecord & { contact: ContactJson }> {
  const rows = await lockContactRows(ctx.trx, [request.primaryId, ...request.secondaryIds]);
  const { primary, secondaries } = checkParticipants(request, rows);
  const plan = planMerge(primary, secondaries, request.fields);
  const id = randomUUID();
  const { display_name, name_generated, email_subscription, ...fields } = plan.fields;
  const snapshot = await applyMerge(ctx.trx, { id, primaryId: primary.id, secondaryIds: request.secondaryIds,
    update: { fields: { ...fields, display_name, name_generated, email_subscription }, customFields: plan.customFields },
    mergedBy: ctx.actor.keyId, at: ctx.now });
  await insertMerge(ctx.trx, { id, primaryId: primary.id, secondaryIds: request.secondaryIds, snapshot,
    mergedBy: ctx.actor.keyId, at: ctx.now });
  const contact = toContactJson((await findContactRow(ctx.trx, primary.id))!);
  ctx.audit({ action: 'contact.merged', targetType: 'merge', targetId: id,
    before: [primary, ...secondaries].map(toContactJson), after: contact });
  ctx.emit({ type: 'contact.merged', contactId: primary.id, mergeId: id, primaryId: primary.id,
    secondaryIds: request.secondaryIds });
  return { id, primaryId: primary.id, secondaryIds: request.secondaryIds, mergedBy: ctx.actor.keyId,
    mergedAt: ctx.now.toISOString(), undoneBy: null, undoneAt: null, contact };
}

/**
 * Unmerges: every secondary comes back as it was, with its identities (and whatever arrived through them
 * since), notes and tags; the primary gets back every value the merge gave it, unless it was edited since.
 */
async function undoMerge(ctx: ChangeContext, mergeId: string): Promise<MergeRecord> {
  const merge = await lockMerge(ctx.trx, mergeId);
  if (!merge) throw new NotFoundError(`merge ${mergeId} does not exist`);
  if (merge.undoneAt) throw new ConflictError(`merge ${mergeId} was already undone at ${merge.undoneAt}`);
  const rows = await lockContactRows(ctx.trx, [merge.primaryId, ...merge.secondaryIds]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const primary = byId.get(merge.primaryId);
  if (!primary) throw new ConflictError('the primary contact of this merge has been deleted');
  if (primary.merged_into) {
    throw new ConflictError(`the primary contact was itself merged into ${primary.merged_into} later: undo that merge first`);
  }
  const missing = merge.secondaryIds.filter((id) => byId.get(id)?.merged_into !== merge.primaryId);
  if (missing.length > 0) throw new ConflictError(`contacts ${missing.join(', ')} are no longer part of this merge`);
  await applyUndo(ctx.trx, merge);
  await markUndone(ctx.trx, mergeId, ctx.actor.keyId, ctx.now);
  ctx.audit({ action: 'contact.unmerged', targetType: 'merge', targetId: mergeId });
  ctx.emit({ type: 'contact.unmerged', contactId: merge.primaryId, mergeId, primaryId: merge.primaryId,
    secondaryIds: merge.secondaryIds });
  const { snapshot: _snapshot, ...record } = merge;
  return { ...record, undoneBy: ctx.actor.keyId, undoneAt: ctx.now.toISOString() };
}

function checkParticipants(request: MergeRequest, rows: ContactRow[]): { primary: ContactRow; secondaries: ContactRow[] } {
  if (request.secondaryIds.includes(request.primaryId)) {
    throw new ConflictError('the primary contact is also listed as a secondary', { reason: 'primary_in_secondaries' });
  }
  const repeated = request.secondaryIds.filter((id, index) => request.secondaryIds.indexOf(id) !== index);
  if (repeated.length > 0) {
    throw new ConflictError(`contacts listed more than once: ${[...new Set(repeated)].join(', ')}`, { reason: 'duplicate_ids' });
  }
  const byId = new Map(rows.map((row) => [row.id, row]));
  const missing = [request.primaryId, ...request.secondaryIds].filter((id) => !byId.has(id));
  if (missing.length > 0) throw new NotFoundError(`contacts do not exist: ${missing.join(', ')}`);
  const merged = rows.filter((row) => statusOf(row) === 'merged');
  if (merged.length > 0) {
    throw new ConflictError(`already merged: ${merged.map((row) => `${row.id} into ${row.merged_into}`).join(', ')}`,
      { reason: 'already_merged', contactIds: merged.map((row) => row.id) });
  }
  const blocked = rows.filter((row) => statusOf(row) === 'blocked');
  if (blocked.length > 0) {
    throw new ConflictError(`blocked contacts cannot be merged: ${blocked.map((row) => row.id).join(', ')}`,
      { reason: 'blocked', contactIds: blocked.map((row) => row.id) });
  }
  for (const [field, contactId] of Object.entries(request.fields ?? {})) {
    if (!Object.hasOwn(MERGE_FIELDS, field) && !/^custom\.[a-z][a-z0-9_]*$/.test(field)) {
      throw new PayloadError(`fields.${field}: not a field a merge combines`, `fields.${field}`);
    }
    if (!byId.has(contactId)) throw new PayloadError(`fields.${field}: ${contactId} is not a participant`, `fields.${field}`);
  }
  return { primary: byId.get(request.primaryId)!, secondaries: request.secondaryIds.map((id) => byId.get(id)!) };
}

/** The primary's row with the plan applied, shown as the API shows a contact. */
function previewContact(primary: ContactRow, plan: MergePlan): MergePreview['result'] {
  const row = { ...primary, ...plan.fields, custom_fields: plan.customFields, tags: plan.tags, created_at: plan.createdAt,
    last_interaction_at: plan.lastInteractionAt } as ContactRow;
  const { blocked: _blocked, blockedAt: _blockedAt, updatedAt: _updatedAt, ...result } = toContactJson(row);
  return result;
}
