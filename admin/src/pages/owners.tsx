import { useEffect, useState } from 'preact/hooks';
import { api, type ApiKey, type AuditEntry, type Me, type Role } from '../api.js';
import { Failure, useLoad, when } from '../ui.js';

const ACTIONS = ['contact.created', 'contact.updated', 'contact.blocked', 'contact.unblocked', 'contact.merged', 'contact.unmerged',
  'contact.deleted', 'contact.tagged', 'contact.untagged', 'contacts.tagged', 'contact.note_added', 'contact.identity_removed',
  'contact.unsubscribed', 'duplicate.dismissed', 'field.defined', 'field.deleted', 'view.created', 'view.deleted', 'api_key.created',
  'api_key.revoked', 'webchat_site.created', 'webchat_site.updated', 'webchat_site.deleted', 'whatsapp.pairing-request'];
const AUDIT_PAGE = 50;

/** What only owners do: API keys (a new key is shown once) and the audit log of every change. */
export function OwnersPage({ me }: { me: Me }) {
  const { data: keys, error, setError, reload: load } = useLoad(async () => (await api<{ keys: ApiKey[] }>('GET', '/api/keys')).keys);
  return (
    <>
      <section aria-labelledby="keys-title">
        <h1 id="keys-title">API keys</h1>
        {error && <Failure error={error} />}
        {!keys ? !error && <p role="status">Loading keys…</p> : (
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Revoked</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}{key.id === me.id && <small> (you)</small>}</td>
                  <td>{key.role}</td>
                  <td>{when(key.createdAt)}</td>
                  <td>{key.revokedAt ? when(key.revokedAt) : '—'}</td>
                  <td>{!key.revokedAt && key.id !== me.id && (
                    <button type="button" class="danger" aria-label={`Revoke ${key.name}`} onClick={() => {
                      if (confirm(`Revoke ${key.name}? Whatever uses it stops working at once.`)) void api('DELETE', `/api/keys/${key.id}`).then(load, setError);
                    }}>Revoke</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <NewKey onCreated={load} />
      </section>
      <AuditLog keys={keys ?? []} />
    </>
  );
}

function NewKey({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [error, setError] = useState<Error>();
  const create = (event: Event) => {
    event.preventDefault();
    api<{ name: string; key: string }>('POST', '/api/keys', { name: name.trim(), role }).then((key) => {
      setCreated(key);
      setName('');
      setError(undefined);
      onCreated();
    }, setError);
  };
  return (
    <form class="new-key" onSubmit={create}>
      <h2>Create a key</h2>
      <label for="key-name">Name</label>
      <input id="key-name" value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="key-role">Role</label>
      <select id="key-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
        <option value="agent">agent</option><option value="manager">manager</option><option value="owner">owner</option>
      </select>
      <button type="submit">Create key</button>
      {error && <Failure error={error} />}
      {created && (
        <div class="once" role="status">
          <p>The key for {created.name}, shown this once — copy it now:</p>
          <output aria-label="New API key"><code>{created.key}</code></output>
          <button type="button" onClick={() => setCreated(undefined)}>I have copied it</button>
        </div>
      )}
    </form>
  );
}

/** The audit log, newest first, narrowed by who, what and which contact; older entries a page at a time. */
function AuditLog({ keys }: { keys: ApiKey[] }) {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [contact, setContact] = useState('');
  const [pages, setPages] = useState<string[]>([]);
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [error, setError] = useState<Error>();
  const before = pages.at(-1);
  useEffect(() => {
    const params = new URLSearchParams({ limit: String(AUDIT_PAGE), ...(actor ? { actor } : {}), ...(action ? { action } : {}),
      ...(contact.trim() ? { contact: contact.trim() } : {}), ...(before ? { before } : {}) });
    let current = true;
    const timer = setTimeout(() => api<{ entries: AuditEntry[] }>('GET', `/api/audit?${params}`)
      .then((r) => { if (current) { setEntries(r.entries); setError(undefined); } }, (e: Error) => current && setError(e)), contact ? 300 : 0);
    return () => { current = false; clearTimeout(timer); };
  }, [actor, action, contact, before]);
  const narrow = (set: (value: string) => void) => (e: { currentTarget: { value: string } }) => { set(e.currentTarget.value); setPages([]); };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div class="toolbar">
        <label for="audit-actor">Who</label>
        <select id="audit-actor" value={actor} onChange={narrow(setActor)}>
          <option value="">anyone</option>
          {keys.map((key) => <option value={key.id}>{key.name}</option>)}
        </select>
        <label for="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={narrow(setAction)}>
          <option value="">any action</option>
          {ACTIONS.map((name) => <option value={name}>{name}</option>)}
        </select>
        <label for="audit-contact">Contact id</label>
        <input id="audit-contact" value={contact} placeholder="a contact's id" onInput={narrow(setContact)} />
      </div>
      {error && <Failure error={error} />}
      {!entries ? !error && <p role="status">Loading the audit log…</p> : entries.length === 0 ? <p class="empty">No entries.</p> : (
        <table>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">What</th></tr></thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{when(entry.at)}</td>
                <td>{entry.actor.name}</td>
                <td><code>{entry.action}</code></td>
                <td>{entry.targetType === 'contact' && entry.targetId
                  ? <a href={`/admin/contacts/${entry.targetId}`}>contact {entry.targetId.slice(0, 8)}</a>
                  : `${entry.targetType}${entry.targetId ? ` ${entry.targetId.slice(0, 8)}` : ''}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Audit pages">
        <button type="button" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>Newer</button>
        <button type="button" disabled={!entries || entries.length < AUDIT_PAGE} onClick={() => entries && setPages([...pages, entries.at(-1)!.id])}>Older</button>
      </nav>
    </section>
  );
}
