import { useEffect, useState } from 'preact/hooks';
import { api, type Contact, type Me } from '../api.js';
import { Failure, when } from '../ui.js';

const SORTS = [['-lastInteraction', 'Last interaction'], ['-created', 'Newest'], ['created', 'Oldest'], ['name', 'Name A–Z'],
  ['-name', 'Name Z–A']] as const;

interface Page { contacts: Contact[]; nextCursor: string | null }

/** The contacts table: search, sort, one page at a time (cursor pages, as the API gives them); `blocked` is the segment. */
export function ContactsPage({ blocked = false }: { me: Me; blocked?: boolean }) {
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<string>('-lastInteraction');
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<Page>();
  const [error, setError] = useState<Error>();
  const cursor = cursors.at(-1);

  useEffect(() => {
    const params = new URLSearchParams({ sort, limit: '50' });
    if (q.trim()) params.set('q', q.trim());
    if (blocked) params.set('blocked', 'true');
    if (cursor) params.set('cursor', cursor);
    let current = true;
    setError(undefined);
    const timer = setTimeout(() => api<Page>('GET', `/api/contacts?${params}`)
      .then((next) => current && setPage(next), (e: Error) => current && setError(e)), q ? 250 : 0);
    return () => { current = false; clearTimeout(timer); };
  }, [q, sort, cursor, blocked]);

  return (
    <section aria-labelledby="contacts-title">
      <h1 id="contacts-title">{blocked ? 'Blocked contacts' : 'Contacts'}</h1>
      <div class="toolbar">
        <label for="search">Search</label>
        <input id="search" type="search" value={q} placeholder="Name, email, phone or tag"
          onInput={(e) => { setQ(e.currentTarget.value); setCursors([]); }} />
        <label for="sort">Sort by</label>
        <select id="sort" value={sort} onChange={(e) => { setSort(e.currentTarget.value); setCursors([]); }}>
          {SORTS.map(([value, label]) => <option value={value}>{label}</option>)}
        </select>
      </div>
      {error ? <Failure error={error} /> : !page ? <p role="status">Loading contacts…</p> : page.contacts.length === 0
        ? <p class="empty">{q ? `No contact matches “${q}”.` : blocked ? 'No contact is blocked.' : 'No contacts yet.'}</p>
        : (
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Phone</th><th scope="col">Tags</th>
                <th scope="col">Lifecycle</th><th scope="col">Last interaction</th><th scope="col">Created</th></tr>
            </thead>
            <tbody>
              {page.contacts.map((contact) => (
                <tr key={contact.id}>
                  <td class="name"><a href={`/admin/contacts/${contact.id}`}>{contact.name || '(no name)'}</a>
                    {contact.blocked && <span class="badge">blocked</span>}</td>
                  <td>{contact.email}</td>
                  <td>{contact.phone}</td>
                  <td>{contact.tags.map((tag) => <span class="tag">{tag}</span>)}</td>
                  <td>{contact.lifecycleStage}</td>
                  <td>{when(contact.lastInteractionAt)}</td>
                  <td>{when(contact.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>Next page</button>
      </nav>
    </section>
  );
}
