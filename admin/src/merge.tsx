import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Contact, type Me, type MergePreview, type MergeRecord } from './api.js';
import { Failure } from './ui.js';

const MAX_MERGE = 25;
const PREVIEWED = [['name', 'Name'], ['email', 'Email'], ['phone', 'Phone'], ['country', 'Country'], ['lifecycleStage', 'Lifecycle stage'],
  ['emailSubscription', 'Email subscription']] as const;
interface Participant { id: string; name: string }

/**
 * The merge drawer: up to 25 contacts, the primary chosen, the preview with every conflicting field and the
 * value to keep, then the merge; its result links to undo. A modal dialog: Escape closes it, focus stays inside.
 */
export function MergeDrawer({ initial, onClose }: { me: Me; initial: Participant[]; onClose: (merged: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [participants, setParticipants] = useState<Participant[]>(initial.slice(0, MAX_MERGE));
  const [primaryId, setPrimaryId] = useState(initial[0]?.id ?? '');
  const [choices, setChoices] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<MergePreview>();
  const [error, setError] = useState<Error>();
  const [merged, setMerged] = useState<MergeRecord & { contact: Contact }>();
  const [undone, setUndone] = useState(false);
  const secondaryIds = participants.map((p) => p.id).filter((id) => id !== primaryId);
  const nameOf = (id: string) => participants.find((p) => p.id === id)?.name || '(no name)';

  useEffect(() => { dialog.current?.showModal(); }, []);
  useEffect(() => {
    if (merged || secondaryIds.length === 0) return setPreview(undefined);
    let current = true;
    api<MergePreview>('POST', '/api/merges/preview', { primaryId, secondaryIds, fields: choices })
      .then((next) => { if (current) { setPreview(next); setError(undefined); } }, (e: Error) => current && setError(e));
    return () => { current = false; };
  }, [primaryId, secondaryIds.join(','), JSON.stringify(choices), merged]);

  const merge = () => api<MergeRecord & { contact: Contact }>('POST', '/api/merges', { primaryId, secondaryIds, fields: choices })
    .then((record) => { setMerged(record); setError(undefined); }, setError);
  const undo = () => merged && api('POST', `/api/merges/${merged.id}/undo`).then(() => setUndone(true), setError);
  const close = () => { dialog.current?.close(); onClose(!!merged && !undone); };

  return (
    <dialog ref={dialog} class="drawer" aria-labelledby="merge-title" onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="merge-title">Merge contacts</h2>
      {merged ? (
        <div>
          <p role="status">{undone ? 'The merge was undone: every contact is back as it was.'
            : <>Merged {merged.secondaryIds.length + 1} contacts into <a href={`/admin/contacts/${merged.primaryId}`}>{merged.contact.name}</a>.</>}</p>
          {!undone && <p><button type="button" onClick={undo}>Undo this merge</button> or later from <a href="/admin/merges">Merge history</a>.</p>}
          {error && <Failure error={error} />}
          <button type="button" onClick={close}>Close</button>
        </div>
      ) : (
        <>
          <fieldset>
            <legend>Contacts ({participants.length} of at most {MAX_MERGE}) — choose the primary, which the others merge into</legend>
            <ul class="participants">
              {participants.map((p) => (
                <li key={p.id}>
                  <label><input type="radio" name="primary" checked={p.id === primaryId} onChange={() => { setPrimaryId(p.id); setChoices({}); }} />
                    {' '}{p.name || '(no name)'}</label>
                  {participants.length > 1 && (
                    <button type="button" class="link" aria-label={`Leave out ${p.name || "this contact"}`} onClick={() => {
                      const rest = participants.filter((other) => other.id !== p.id);
                      setParticipants(rest);
                      if (p.id === primaryId) setPrimaryId(rest[0]!.id);
                      setChoices({});
                    }}>Leave out</button>
                  )}
                </li>
              ))}
            </ul>
            {participants.length < MAX_MERGE
              ? <AddParticipant exclude={participants.map((p) => p.id)} onAdd={(p) => setParticipants([...participants, p])} />
              : <p class="hint">A merge takes at most {MAX_MERGE} contacts.</p>}
          </fieldset>
          {secondaryIds.length === 0 ? <p class="hint">Add at least one more contact to merge.</p> : !preview ? !error && <p role="status">Preparing the preview…</p> : (
            <section aria-labelledby="preview-title">
              <h3 id="preview-title">The merged contact</h3>
              <dl class="preview">
                {PREVIEWED.map(([field, label]) => (
                  <Fragment key={field}><dt>{label}</dt><dd>{String(preview.result[field] ?? '—')}</dd></Fragment>
                ))}
                <dt>Tags</dt><dd>{preview.result.tags.join(', ') || '—'}</dd>
              </dl>
              {preview.conflicts.length === 0 ? <p class="hint">No conflicting fields.</p> : preview.conflicts.map((conflict) => (
                <fieldset key={conflict.field} class="conflict">
                  <legend>Keep which {conflict.field}?</legend>
                  {conflict.values.map((value) => (
                    <label key={value.contactId}>
                      <input type="radio" name={`conflict-${conflict.field}`} checked={(choices[conflict.field] ?? conflict.chosen.contactId) === value.contactId}
                        onChange={() => setChoices({ ...choices, [conflict.field]: value.contactId })} />
                      {' '}{String(value.value)} <small>from {nameOf(value.contactId)}</small>
                    </label>
                  ))}
                </fieldset>
              ))}
            </section>
          )}
          {error && <Failure error={error} />}
          <p class="actions">
            <button type="button" class="danger" disabled={!preview} onClick={merge}>Merge {participants.length} contacts</button>
            <button type="button" onClick={close}>Cancel</button>
          </p>
        </>
      )}
    </dialog>
  );
}

/** Finds a contact by name, email or phone and adds it to the merge (one short page of results). */
function AddParticipant({ exclude, onAdd }: { exclude: string[]; onAdd: (p: Participant) => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  useEffect(() => {
    if (!q.trim()) return setFound([]);
    let current = true;
    const timer = setTimeout(() => api<{ contacts: Contact[] }>('GET', `/api/contacts?${new URLSearchParams({ q: q.trim(), limit: '6' })}`)
      .then((page) => current && setFound(page.contacts), () => current && setFound([])), 250);
    return () => { current = false; clearTimeout(timer); };
  }, [q]);
  const candidates = found.filter((c) => !exclude.includes(c.id) && !c.blocked);
  return (
    <div class="add-participant">
      <label for="merge-search">Add a contact</label>
      <input id="merge-search" type="search" value={q} placeholder="Name, email or phone" onInput={(e) => setQ(e.currentTarget.value)} />
      {candidates.length > 0 && (
        <ul>
          {candidates.map((c) => (
            <li key={c.id}>{c.name || '(no name)'} <small>{c.email ?? c.phone ?? ''}</small>{' '}
              <button type="button" onClick={() => { onAdd({ id: c.id, name: c.name }); setQ(''); }}>Add {c.name}</button></li>
          ))}
        </ul>
      )}
    </div>
  );
}
