import { dismissSuggestion, listOpenSuggestions } from '../db/repositories/suggestions.js';
import type { Actor, ContactsContext } from './change.js';
import { NotFoundError } from './errors.js';

/** Potential duplicates the resolver and people's edits flagged: list them, or say "not a duplicate". */
export function suggestionOperations({ db, run }: ContactsContext) {
  return {
    /** Open suggestions between live contacts, newest first; with `contactId`, that contact's, oriented to it. */
    list: (options: { contactId?: string; limit: number }) => listOpenSuggestions(db, options),
    /** Closes every suggestion for the pair and keeps the pair from being suggested again. */
    dismiss: (actor: Actor, id: string) => run(actor, async (ctx) => {
      const pair = await dismissSuggestion(ctx.trx, id, ctx.actor.keyId, ctx.now);
      if (!pair) throw new NotFoundError(`suggestion ${id} does not exist`);
      ctx.audit({ action: 'duplicate.dismissed', targetType: 'suggestion', targetId: id, after: pair });
    }),
  };
}
