import type { z } from 'zod';
import type { SqlFragment } from './filters.js';
import type { selectionSchema } from './schema.js';
import { matchWhere } from './search.js';

/** Which contacts a bulk action takes: listed ids, what a filter and free text match, or all. */
export type Selection = z.infer<typeof selectionSchema>;

/** The WHERE fragment over `contacts c` for a selection, as of `now` (relative dates in its filter count from then). */
export function selectionWhere(selection: Selection, now: Date): SqlFragment {
  return matchWhere('all' in selection ? {} : selection, now);
}
