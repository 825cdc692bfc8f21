import type { Knex } from 'knex';
import { findContactRow } from '../db/repositories/contact-profiles.js';
import { nextMatchingIds } from '../db/repositories/deletions.js';
import { deleteFieldDefinition, listFieldDefinitions, upsertFieldDefinition, type FieldDefinition }
  from '../db/repositories/fields.js';
import { addNote, listNotes } from '../db/repositories/notes.js';
import { listTags, tagContacts, untagContacts } from '../db/repositories/tags.js';
import { createView, deleteView, findVisibleView, listVisibleViews, type ViewJson } from '../db/repositories/views.js';
import type { Actor, ContactsContext } from './change.js';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.js';
import { PayloadError } from '../identity/parse.js';
import { selectionWhere, type Selection } from './selection.js';
import { lockLiveContact } from './status.js';

const MAX_BULK_TAGGED = 100_000;

/** Tags on contacts, one at a time or many at once. Tagging a contact moves its `updated_at`. */
export function tagOperations({ db, run }: ContactsContext) {
  const tagsOf = async (id: string) => (await findContactRow(db, id))?.tags ?? [];
  return {
    list: () => listTags(db),
    add: async (actor: Actor, id: string, tags: string[]) => {
      await run(actor, async (ctx) => {
        await lockLiveContact(ctx.trx, id);
        await tagContacts(ctx.trx, [id], tags, ctx.now);
        ctx.audit({ action: 'contact.tagged', targetType: 'contact', targetId: id, after: { tags } });
      });
      return tagsOf(id);
    },
    remove: async (actor: Actor, id: string, tag: string) => {
      await run(actor, async (ctx) => {
        await lockLiveContact(ctx.trx, id);
        await untagContacts(ctx.trx, [id], [tag], ctx.now);
        ctx.audit({ action: 'contact.untagged', targetType: 'contact', targetId: id, before: { tags: [tag] } });
      });
      return tagsOf(id);
    },
    /** Adds and removes tags on many contacts; answers how many links were added and removed. */
    bulk: (actor: Actor, change: { contactIds?: string[]; selection?: Selection; add: string[]; remove: string[] }) => run(actor, async (ctx) => {
      const ids = change.contactIds ?? await selectedIds(ctx.trx, change.selection!, ctx.now);
      const added = await tagContacts(ctx.trx, ids, change.add, ctx.now);
      const removed = await untagContacts(ctx.trx, ids, change.remove, ctx.now);
      ctx.audit({ action: 'contacts.tagged', targetType: 'contacts', targetId: null,
        after: { ...change, ...(change.selection ? { contacts: ids.length } : {}) } });
      return { added, removed };
    }),
  };
}

/** The live contacts a selection matches now; more than MAX_BULK_TAGGED is refused (tag them in smaller selections). */
async function selectedIds(trx: Knex.Transaction, selection: Selection, now: Date): Promise<string[]> {
  const ids = await nextMatchingIds(trx, selectionWhere(selection, now), now, MAX_BULK_TAGGED + 1);
  if (ids.length > MAX_BULK_TAGGED) {
    throw new PayloadError(`selection: matches more than ${MAX_BULK_TAGGED.toLocaleString('en')} contacts; narrow the filter`, 'selection');
  }
  return ids;
}

/** Notes people leave on a contact, oldest first, with their author. */
export function noteOperations({ db, run }: ContactsContext) {
  return {
    list: (contactId: string) => listNotes(db, contactId),
    add: (actor: Actor, contactId: string, body: string) => run(actor, async (ctx) => {
      await lockLiveContact(ctx.trx, contactId);
      const note = await addNote(ctx.trx, { contactId, body, authorKeyId: ctx.actor.keyId, authorName: ctx.actor.name, at: ctx.now });
      ctx.audit({ action: 'contact.note_added', targetType: 'contact', targetId: contactId, after: { noteId: note.id } });
      return note;
    }),
  };
}

/** Custom field definitions: what `customFields.<key>` may hold. */
export function fieldOperations({ db, run }: ContactsContext) {
  return {
    list: () => listFieldDefinitions(db),
    define: (actor: Actor, field: FieldDefinition) => run(actor, async (ctx) => {
      if (!(await upsertFieldDefinition(ctx.trx, field))) {
        throw new ConflictError(`the field ${field.key} exists with another type; delete it first`);
      }
      ctx.audit({ action: 'field.defined', targetType: 'field', targetId: field.key, after: field });
      return field;
    }),
    delete: (actor: Actor, key: string) => run(actor, async (ctx) => {
      if (!(await deleteFieldDefinition(ctx.trx, key))) throw new NotFoundError(`no custom field ${key}`);
      ctx.audit({ action: 'field.deleted', targetType: 'field', targetId: key });
    }),
  };
}

/** Saved views: public ones for every key, private ones for their creator only. */
export function viewOperations({ db, run }: ContactsContext) {
  return {
    list: (keyId: string) => listVisibleViews(db, keyId),
    create: (actor: Actor, input: Pick<ViewJson, 'name' | 'public' | 'filter'>) => run(actor, async (ctx) => {
      const view = await createView(ctx.trx, { ...input, ownerKeyId: ctx.actor.keyId }, ctx.now);
      ctx.audit({ action: 'view.created', targetType: 'view', targetId: view.id, after: view });
      return view;
    }),
    /** Its creator may delete a view, and so may an owner. */
    delete: (actor: Actor, id: string, options: { isOwner: boolean }) => run(actor, async (ctx) => {
      const view = await findVisibleView(ctx.trx, id, actor.keyId);
      if (!view) throw new NotFoundError(`view ${id} does not exist`);
      if (view.ownerKeyId !== actor.keyId && !options.isOwner) {
        throw new ForbiddenError('only the view\'s creator or an owner may delete it');
      }
      await deleteView(ctx.trx, id);
      ctx.audit({ action: 'view.deleted', targetType: 'view', targetId: id, before: view });
    }),
  };
}
