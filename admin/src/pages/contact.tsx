import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, type ContactDetail, type Me, type Note, type Suggestion } from '../api.js';
import { MergeDrawer } from '../merge.js';
import { ChannelIcon, channelLabel, Failure, when } from '../ui.js';

const FIELDS = [['name', 'Name'], ['email', 'Email'], ['phone', 'Phone (E.164)'], ['country', 'Country'], ['language', 'Language'],
  ['timezone', 'Time zone']] as const;
type Field = (typeof FIELDS)[number][0];

/** One contact: fields edited in place, channels, identities, tags, notes, duplicates, block and unblock, email subscription, merge. */
export function ContactPage({ me, id }: { me: Me; id: string }) {
  const [contact, setContact] = useState<ContactDetail>();
  const [notes, setNotes] = useState<Note[]>([]);
  const [duplicates, setDuplicates] = useState<Suggestion[]>([]);
  const [error, setError] = useState<Error>();
  const [merging, setMerging] = useState<{ id: string; name: string }[]>();
  const load = async () => {
    try {
      const [detail, noteList, suggestions] = await Promise.all([
        api<ContactDetail>('GET', `/api/contacts/${id}`),
        api<{ notes: Note[] }>('GET', `/api/contacts/${id}/notes`),
        api<{ duplicates: Suggestion[] }>('GET', `/api/contacts/${id}/duplicates`),
      ]);
      setContact(detail);
      setNotes(noteList.notes);
      setDuplicates(suggestions.duplicates);
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    }
  };
  useEffect(() => { void load(); }, [id]);

  if (error && !contact) return <Failure error={error} />;
  if (!contact) return <p role="status">Loading the contact…</p>;
  const act = (method: string, path: string, body?: unknown) => api(method, path, body).then(load, setError);
  return (
    <article aria-labelledby="contact-title">
      <h1 id="contact-title">{contact.name || '(no name)'} {contact.blocked && <span class="badge">blocked</span>}</h1>
      {error && <Failure error={error} />}
      {can.manage(me) && (
        <p class="actions">
          {contact.blocked
            ? <button type="button" onClick={() => act('POST', `/api/contacts/${id}/unblock`)}>Unblock</button>
            : <button type="button" class="danger" onClick={() => act('POST', `/api/contacts/${id}/block`)}>Block</button>}
          {!contact.blocked && <button type="button" onClick={() => setMerging([{ id, name: contact.name }])}>Merge…</button>}
        </p>
      )}
      {merging && <MergeDrawer me={me} initial={merging} onClose={(merged) => { setMerging(undefined); if (merged) void load(); }} />}
      <p class="subscription">
        Email: <strong>{contact.emailSubscription === 'subscribed' ? 'subscribed' : 'unsubscribed'}</strong>{' '}
        {contact.emailSubscription === 'subscribed'
          ? <button type="button" onClick={() => act('PATCH', `/api/contacts/${id}`, { emailSubscription: 'unsubscribed' })}>Unsubscribe from email</button>
          : <button type="button" onClick={() => act('PATCH', `/api/contacts/${id}`, { emailSubscription: 'subscribed' })}>Subscribe to email again</button>}
      </p>
      <Fields contact={contact} onSaved={(next) => setContact({ ...contact, ...next })} />

      <section aria-labelledby="channels-title">
        <h2 id="channels-title">Channels</h2>
        <h3>Active</h3>
        <ul class="channels">
          {contact.channels.active.length === 0 && <li class="inactive">None.</li>}
          {contact.channels.active.map((c) => <li key={c.identityId}><ChannelIcon channel={c.channel} /> <strong>{channelLabel(c.channel)}</strong>
            {' '}{c.value} <small>connected {when(c.connectedAt)}</small></li>)}
        </ul>
        <h3>Inactive</h3>
        <ul class="channels">
          {contact.channels.inactive.length === 0 ? <li class="inactive">None.</li>
            : contact.channels.inactive.map((c) => <li key={c} class="inactive"><ChannelIcon channel={c} /> {channelLabel(c)} <small>reachable, not used yet</small></li>)}
        </ul>
        <h3>Unavailable</h3>
        <ul class="channels">
          {contact.channels.unavailable.length === 0 ? <li class="unavailable">None.</li>
            : contact.channels.unavailable.map((c) => <li key={c} class="unavailable"><ChannelIcon channel={c} /> {channelLabel(c)} <small>only the customer can open it</small></li>)}
        </ul>
        <h3>Identities</h3>
        {contact.identities.length === 0 ? <p class="empty">No channel identity: this contact was entered by a person.</p> : (
          <ul>
            {contact.identities.map((identity) => (
              <li key={identity.id}>
                {identity.kind} <code>{identity.value}</code> <small>{identity.messageCount} messages, last {when(identity.lastMessageAt)}</small>
                {can.manage(me) && (
                  <button type="button" class="link" onClick={() => {
                    if (confirm(`Remove ${identity.value}? Its next message will make a new contact.`)) {
                      void act('DELETE', `/api/contacts/${id}/identities/${identity.id}`);
                    }
                  }}>Remove</button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <Tags contact={contact} onChange={load} />

      <section aria-labelledby="notes-title">
        <h2 id="notes-title">Notes</h2>
        {notes.length === 0 ? <p class="empty">No notes yet.</p> : (
          <ol class="notes">{notes.map((note) => <li key={note.id}><p>{note.body}</p><small>{note.author.name}, {when(note.createdAt)}</small></li>)}</ol>
        )}
        <NoteForm onAdd={(body) => act('POST', `/api/contacts/${id}/notes`, { body })} />
      </section>

      <section aria-labelledby="duplicates-title">
        <h2 id="duplicates-title">Possible duplicates</h2>
        {duplicates.length === 0 ? <p class="empty">None.</p> : (
          <ul>
            {duplicates.map((s) => (
              <li key={s.id}>
                <a href={`/admin/contacts/${s.other.id}`}>{s.other.name}</a> — <mark>{s.reason}</mark>
                {can.manage(me) && <>
                  {' '}<button type="button" onClick={() => setMerging([{ id, name: contact.name }, s.other])}>Merge</button>
                  {' '}<button type="button" onClick={() => act('POST', `/api/duplicates/${s.id}/dismiss`)}>Not a duplicate</button>
                </>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}

interface FieldDefinition { key: string; label: string; type: 'text' | 'number' | 'boolean' | 'date' | 'list'; options?: string[] }

/**
 * The contact's fields and custom fields as a form; an error the API names a field for (`phone`,
 * `customFields.plan`) is shown on that field. Custom values are sent as typed as the person typed them, so a
 * wrong one gets the API's own sentence.
 */
function Fields({ contact, onSaved }: { contact: ContactDetail; onSaved: (next: Partial<ContactDetail>) => void }) {
  const [definitions, setDefinitions] = useState<FieldDefinition[]>([]);
  const initial = () => Object.fromEntries(FIELDS.map(([field]) => [field, contact[field] ?? ''])) as Record<Field, string>;
  const initialCustom = () => Object.fromEntries(Object.entries(contact.customFields).map(([key, value]) => [key, String(value ?? '')]));
  const [values, setValues] = useState(initial);
  const [custom, setCustom] = useState<Record<string, string>>(initialCustom);
  const [problem, setProblem] = useState<{ field?: string | undefined; message: string }>();
  const [saved, setSaved] = useState(false);
  useEffect(() => { setValues(initial()); setCustom(initialCustom()); }, [contact.id]);
  useEffect(() => { api<{ fields: FieldDefinition[] }>('GET', '/api/fields').then((r) => setDefinitions(r.fields), () => setDefinitions([])); }, []);
  const save = async (event: Event) => {
    event.preventDefault();
    const patch: Record<string, unknown> = Object.fromEntries(FIELDS.flatMap(([field]) => {
      const value = values[field].trim();
      return value === (contact[field] ?? '') ? [] : [[field, value === '' ? null : value]];
    }));
    const customPatch = Object.fromEntries(definitions.flatMap(({ key, type }) => {
      const text = (custom[key] ?? '').trim();
      if (text === String(contact.customFields[key] ?? '')) return [];
      return [[key, text === '' ? null : typedValue(type, text)]];
    }));
    if (Object.keys(customPatch).length > 0) patch.customFields = customPatch;
    setSaved(false);
    try {
      onSaved(await api<Partial<ContactDetail>>('PATCH', `/api/contacts/${contact.id}`, patch));
      setProblem(undefined);
      setSaved(true);
    } catch (e) {
      setProblem({ field: e instanceof ApiError ? e.field : undefined, message: (e as Error).message });
    }
  };
  const errorOn = (field: string) => problem?.field === field
    ? <span id={`error-${field.replace('.', '-')}`} class="error" role="alert">{problem.message}</span> : null;
  const shown = new Set([...FIELDS.map(([field]) => field as string), ...definitions.map(({ key }) => `customFields.${key}`)]);
  return (
    <form class="fields" onSubmit={save} aria-labelledby="fields-title">
      <h2 id="fields-title">Details</h2>
      {FIELDS.map(([field, label]) => (
        <div class="field" key={field}>
          <label for={`field-${field}`}>{label}</label>
          <input id={`field-${field}`} value={values[field]} aria-invalid={problem?.field === field}
            aria-describedby={problem?.field === field ? `error-${field}` : undefined}
            onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })} />
          {errorOn(field)}
        </div>
      ))}
      {definitions.map((definition) => {
        const field = `customFields.${definition.key}`;
        const id = `custom-${definition.key}`;
        const common = { id, value: custom[definition.key] ?? '', 'aria-invalid': problem?.field === field,
          'aria-describedby': problem?.field === field ? `error-${field.replace('.', '-')}` : undefined };
        const set = (value: string) => setCustom({ ...custom, [definition.key]: value });
        return (
          <div class="field" key={field}>
            <label for={id}>{definition.label}</label>
            {definition.type === 'list' || definition.type === 'boolean' ? (
              <select {...common} onChange={(e) => set(e.currentTarget.value)}>
                <option value="">—</option>
                {(definition.type === 'list' ? definition.options ?? [] : ['true', 'false']).map((option) =>
                  <option value={option}>{definition.type === 'boolean' ? (option === 'true' ? 'yes' : 'no') : option}</option>)}
              </select>
            ) : definition.type === 'date'
              ? <input {...common} type="date" onInput={(e) => set(e.currentTarget.value)} />
              : <input {...common} type="text" inputMode={definition.type === 'number' ? 'decimal' : undefined} onInput={(e) => set(e.currentTarget.value)} />}
            {errorOn(field)}
          </div>
        );
      })}
      {problem && !shown.has(problem.field ?? '') && <p role="alert" class="error">{problem.message}</p>}
      <button type="submit">Save</button> {saved && <span role="status">Saved.</span>}
    </form>
  );
}

/** A custom value as its field's type when it reads as one; otherwise the text itself, for the API to refuse by name. */
function typedValue(type: FieldDefinition['type'], text: string): string | number | boolean {
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function Tags({ contact, onChange }: { contact: ContactDetail; onChange: () => void }) {
  const [tag, setTag] = useState('');
  const [error, setError] = useState<Error>();
  const run = (promise: Promise<unknown>) => promise.then(() => { setError(undefined); onChange(); }, setError);
  return (
    <section aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      <ul class="tags">
        {contact.tags.map((t) => (
          <li key={t}><span class="tag">{t}</span>
            <button type="button" class="link" aria-label={`Remove tag ${t}`}
              onClick={() => run(api('DELETE', `/api/contacts/${contact.id}/tags/${encodeURIComponent(t)}`))}>×</button></li>
        ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); if (tag.trim()) void run(api('POST', `/api/contacts/${contact.id}/tags`, { tags: [tag.trim()] })).then(() => setTag('')); }}>
        <label for="new-tag">Add a tag</label> <input id="new-tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        <button type="submit">Add</button>
      </form>
      {error && <Failure error={error} />}
    </section>
  );
}

function NoteForm({ onAdd }: { onAdd: (body: string) => Promise<unknown> }) {
  const [body, setBody] = useState('');
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (body.trim()) void onAdd(body.trim()).then(() => setBody('')); }}>
      <label for="new-note">Add a note</label>
      <textarea id="new-note" rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      <button type="submit">Add note</button>
    </form>
  );
}
