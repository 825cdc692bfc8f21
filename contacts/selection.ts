import type { z } from 'zod';
import { compileFilter, type SqlFragment } from './filters.js';
import type { selectionSchema } from './schema.js';
import { freeText } from './search.js';

/** Which contacts a bulk action takes: listed ids, what a filter and free text match, or all. */
export type Selection = z.infer<typeof selectionSchema>;

/** The WHERE fragment over `contacts c` for a selection, as of `now` (relative dates in its filter count from then). */
export function selectionWhere(selection: Selection, now: Date): SqlFragment {
  if ('ids' in selection) return { text: 'c.id = ANY(?::uuid[])', params: [selection.ids] };
  if ('filter' in selection) {
    const parts = [compileFilter(selection.filter, now), ...(selection.q?.trim() ? [freeText(selection.q.trim())] : [])];
    return { text: parts.map((part) => `(${part.text})`).join(' AND '), params: parts.flatMap((part) => part.params) };
  }
  return { text: 'TRUE', params: [] };
}
