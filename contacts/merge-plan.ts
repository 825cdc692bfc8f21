import { EDITABLE_COLUMNS, type ContactRow } from '../db/repositories/contact-profiles.js';

// Email subscription is not filled like the others: the most restrictive value wins.
const { emailSubscription: _subscription, ...FILLED_COLUMNS } = EDITABLE_COLUMNS;

/** The fields a merge fills from the participants, by API name, with the column each lives in. */
export const MERGE_FIELDS = { name: 'display_name', ...FILLED_COLUMNS } as const;
export type MergeField = keyof typeof MERGE_FIELDS;
type Column = (typeof MERGE_FIELDS)[MergeField];

export interface FieldConflict {
  field: string;
  chosen: { contactId: string; value: unknown };
  values: { contactId: string; value: unknown }[];
}

/** The primary as it will be after the merge, and every field on which the participants disagree. */
export interface MergePlan {
  fields: Record<Column, string | null> & { name_generated: boolean; email_subscription: 'subscribed' | 'unsubscribed' };
  customFields: Record<string, unknown>;
  createdAt: Date;
  lastInteractionAt: Date | null;
  tags: string[];
  conflicts: FieldConflict[];
}

/**
 * Pure: fields come from the primary; an empty one is filled from the secondaries, most recently updated
 * first, unless `choices` names the participant whose value to keep. A generated name counts as empty.
 * Email subscription takes the most restrictive value; created time the earliest; tags the union.
 */
export function planMerge(primary: ContactRow, secondaries: ContactRow[], choices: Record<string, string> = {}): MergePlan {
  const donors = [primary, ...[...secondaries].sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime())];
  const byId = new Map(donors.map((row) => [row.id, row]));
  const conflicts: FieldConflict[] = [];

  const pick = (field: string, valueOf: (row: ContactRow) => unknown) => {
    const present = donors.filter((row) => !isEmpty(valueOf(row)));
    const chosenId = choices[field];
    const chosen = chosenId !== undefined ? byId.get(chosenId) : present[0];
    const distinct = new Set(present.map((row) => JSON.stringify(valueOf(row))));
    if (distinct.size > 1) {
      conflicts.push({
        field,
        chosen: { contactId: chosen?.id ?? primary.id, value: chosen ? valueOf(chosen) : null },
        values: present.map((row) => ({ contactId: row.id, value: valueOf(row) })),
      });
    }
    return chosen && !isEmpty(valueOf(chosen)) ? valueOf(chosen) : null;
  };

  const realName = (row: ContactRow) => (row.name_generated ? null : row.display_name);
  const fields = {} as MergePlan['fields'];
  for (const [field, column] of Object.entries(MERGE_FIELDS) as [MergeField, Column][]) {
    if (field === 'name') continue;
    fields[column] = pick(field, (row) => row[column]) as string | null;
  }
  const name = pick('name', realName) as string | null;
  fields.display_name = name ?? primary.display_name;
  fields.name_generated = name === null;
  fields.email_subscription = donors.some((row) => row.email_subscription === 'unsubscribed') ? 'unsubscribed' : 'subscribed';

  const customFields: Record<string, unknown> = {};
  const keys = new Set(donors.flatMap((row) => Object.keys(row.custom_fields)));
  for (const key of [...keys].sort()) {
    const value = pick(`custom.${key}`, (row) => row.custom_fields[key]);
    if (value !== null) customFields[key] = value;
  }

  const interactions = donors.map((row) => row.last_interaction_at).filter((at): at is Date => at !== null);
  return {
    fields,
    customFields,
    createdAt: new Date(Math.min(...donors.map((row) => row.created_at.getTime()))),
    lastInteractionAt: interactions.length ? new Date(Math.max(...interactions.map(Number))) : null,
    tags: [...new Set(donors.flatMap((row) => row.tags))].sort((a, b) => a.localeCompare(b)),
    conflicts,
  };
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}
