import { EDITABLE_COLUMNS, findContactRow, findMergedInto, insertContactRow, toContactJson, updateContactColumns,
  type ContactJson, type ContactRow, type WritableColumn } from '../db/repositories/contact-profiles.js';
import { deleteIdentity } from '../db/repositories/identities.js';
import { addPointsAndFlagDuplicates, forgetManualPoint, trustPoints } from '../db/repositories/suggestions.js';
import { tagContacts } from '../db/repositories/tags.js';
import { countryOfPhone } from '../identity/normalise/phone.js';
import { enteredPoints } from '../identity/points.js';
import type { Actor, ChangeContext, ContactsContext } from './change.js';
import { checkCustomFields, loadFieldDefinitions } from './custom-fields.js';
import { contactDetail } from './detail.js';
import { NotFoundError } from './errors.js';
import type { ContactFieldsInput } from './schema.js';
import { lockLiveContact, setBlocked } from './status.js';

/** What people do to one contact's record: create, read, edit, block, and take a channel identity off it. */
export function profileOperations({ db, run }: ContactsContext) {
  return {
    create: (actor: Actor, input: NewContactInput) => run(actor, (ctx) => createContact(ctx, input)),
    detail: (id: string) => contactDetail(db, id),
    /** The contact a merged-away id now stands for, or null: links holding an old id are redirected there. */
    survivorOf: (id: string) => findMergedInto(db, id),
    update: (actor: Actor, id: string, patch: ContactFieldsInput) => run(actor, (ctx) => updateContact(ctx, id, patch)),
    block: (actor: Actor, id: string) => run(actor, (ctx) => setBlocked(ctx, id, true)),
    unblock: (actor: Actor, id: string) => run(actor, (ctx) => setBlocked(ctx, id, false)),
    removeIdentity: (actor: Actor, id: string, identityId: string) => run(actor, (ctx) => removeIdentity(ctx, id, identityId)),
  };
}

export type NewContactInput = ContactFieldsInput & { tags?: string[] };

/** `fromText`: custom field values arrive as text (a CSV import) and are read as their field's type. */
export async function createContact(ctx: ChangeContext, input: NewContactInput, options: { fromText?: boolean } = {}):
  Promise<ContactJson> {
  const customFields = checkCustomFields(await loadFieldDefinitions(ctx.trx), {}, input.customFields ?? {}, options.fromText);
  const id = await insertContactRow(ctx.trx, displayName(input) ?? '', ctx.now);
  await writeFields(ctx, id, { ...input, customFields }, undefined);
  await tagContacts(ctx.trx, [id], input.tags ?? [], ctx.now);
  const contact = toContactJson((await findContactRow(ctx.trx, id))!);
  ctx.audit({ action: 'contact.created', targetType: 'contact', targetId: id, after: contact });
  ctx.emit({ type: 'contact.created', contactId: id, displayName: contact.name, actor: ctx.actor.name });
  return contact;
}

async function updateContact(ctx: ChangeContext, id: string, patch: ContactFieldsInput): Promise<ContactJson> {
  const current = await lockLiveContact(ctx.trx, id);
  const customFields = patch.customFields
    ? checkCustomFields(await loadFieldDefinitions(ctx.trx), current.custom_fields, patch.customFields) : undefined;
  await writeFields(ctx, id, { ...patch, customFields }, current);
  const contact = toContactJson((await findContactRow(ctx.trx, id))!);
  ctx.audit({ action: 'contact.updated', targetType: 'contact', targetId: id, before: toContactJson(current), after: contact });
  return contact;
}

/** Takes a channel identity off a contact (a changed phone number): its next message makes a new contact. */
async function removeIdentity(ctx: ChangeContext, contactId: string, identityId: string): Promise<void> {
  await lockLiveContact(ctx.trx, contactId);
  const removed = await deleteIdentity(ctx.trx, contactId, identityId);
  if (!removed) throw new NotFoundError(`contact ${contactId} has no identity ${identityId}`);
  ctx.audit({ action: 'contact.identity_removed', targetType: 'contact', targetId: contactId, before: removed });
}

/**
 * Writes the given fields. An email or phone a person enters becomes a trusted contact point (later inbound
 * messages from exactly that address join this contact) and is compared with other contacts for duplicates.
 */
async function writeFields(ctx: ChangeContext, id: string, input: ContactFieldsInput, current: ContactRow | undefined) {
  const columns: Partial<Record<WritableColumn, string | boolean | null>> = {};
  for (const [field, column] of Object.entries(EDITABLE_COLUMNS) as [keyof typeof EDITABLE_COLUMNS, WritableColumn][]) {
    if (input[field] !== undefined) columns[column] = input[field];
  }
  const name = nameAfter(input, current);
  if (name) Object.assign(columns, { display_name: name, name_generated: false });
  // A contact without a country takes its phone's (the rule every channel follows).
  const phoneCountry = input.phone && input.country === undefined && !current?.country ? countryOfPhone(input.phone) : undefined;
  if (phoneCountry) columns.country = phoneCountry;
  if (input.customFields) columns.custom_fields = JSON.stringify(input.customFields);
  await updateContactColumns(ctx.trx, id, columns, ctx.now);

  for (const kind of ['email', 'phone'] as const) {
    const previous = current?.[kind];
    if (input[kind] !== undefined && previous && previous !== input[kind]) await forgetManualPoint(ctx.trx, id, { kind, value: previous });
  }
  const points = enteredPoints(input);
  await trustPoints(ctx.trx, id, points);
  await addPointsAndFlagDuplicates(ctx.trx,
    points.map((point) => ({ ...point, source: 'manual' as const, contactId: id, envelopeId: null })), ctx.now);
}

function displayName(input: ContactFieldsInput): string | undefined {
  return input.name ?? joinName(input.firstName, input.lastName) ?? input.email ?? input.phone ?? undefined;
}

/** An explicit name wins; otherwise a changed first or last name renames the contact. */
function nameAfter(input: ContactFieldsInput, current: ContactRow | undefined): string | null | undefined {
  if (input.name !== undefined) return input.name;
  if (input.firstName === undefined && input.lastName === undefined) return undefined;
  return joinName(input.firstName === undefined ? current?.first_name : input.firstName,
    input.lastName === undefined ? current?.last_name : input.lastName);
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  return [first, last].filter(Boolean).join(' ') || undefined;
}
