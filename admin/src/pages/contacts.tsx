import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, type ContactRow, type Filter, type Me, type View } from '../api.js';
import { BulkBar, type Selection } from '../bulk.js';
import { FilterBuilder } from '../filter-builder.js';
import { useLiveEvents } from '../live.js';
import { ChannelIcon, Failure, useLoad, when } from '../ui.js';

const SORTS = [['-lastInteraction', 'Last interaction'], ['-created', 'Newest'], ['created', 'Oldest'], ['name', 'Name A–Z'],
  ['-name', 'Name Z–A']] as const;
const PAGE_SIZE = 50;
const EMPTY: Filter = { conditions: [], match: 'all' };

interface Page { contacts: ContactRow[]; nextCursor: string | null }

/**
 * The contacts table: search, sort, the filter builder and saved views, one page at a time (cursor pages, as the
 * API gives them), rows selected for bulk actions; `blocked` is the blocked segment. New contacts appear live.
 */
export function ContactsPage({ me, blocked = false }: { me: Me; blocked?: boolean }) {
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<string>('-lastInteraction');
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<Page>();
  const [error, setError] = useState<Error>();
  const [reloads, setReloads] = useState(0);
  const [selection, setSelection] = useState<Selection>({ kind: 'ids', ids: new Map() });
  const cursor = cursors.at(-1);
  const invalid = filterProblem(error);

  const restart = () => { setCursors([]); setSelection({ kind: 'ids', ids: new Map() }); };
  useLiveEvents(['contact.created', 'contact.blocked', 'contact.unblocked', 'contact.deleted', 'contact.merged', 'contact.unmerged'],
    () => { if (cursors.length === 0) setReloads((n) => n + 1); });

  useEffect(() => {
    let current = true;
    const load = blocked
      ? () => api<Page>('GET', `/api/contacts?${new URLSearchParams({ sort, limit: String(PAGE_SIZE), blocked: 'true',
        ...(q.trim() ? { q: q.trim() } : {}), ...(cursor ? { cursor } : {}) })}`)
      : () => api<Page>('POST', '/api/contacts/search', { ...filter, sort, limit: PAGE_SIZE, ...(q.trim() ? { q: q.trim() } : {}),
        ...(cursor ? { cursor } : {}) });
    const timer = setTimeout(() => load().then((next) => {
      if (!current) return;
      setPage(next);
      setError(undefined);
    }, (e: Error) => current && setError(e)), q || filter.conditions.length ? 250 : 0);
    return () => { current = false; clearTimeout(timer); };
  }, [q, sort, cursor, blocked, JSON.stringify(filter), reloads]);

  const rows = page?.contacts ?? [];
  const selectable = can.manage(me);
  const pageSelected = rows.length > 0 && (selection.kind === 'all' || rows.every((row) => selection.ids.has(row.id)));
  const toggle = (row: ContactRow) => {
    if (selection.kind === 'all') return;
    const ids = new Map(selection.ids);
    if (ids.has(row.id)) ids.delete(row.id);
    else ids.set(row.id, row.name);
    setSelection({ kind: 'ids', ids });
  };

  return (
    <div class={blocked ? '' : 'with-views'}>
      {!blocked && <ViewsList me={me} filter={filter} sort={sort} onOpen={(view) => {
        setFilter({ conditions: view.filter.conditions, match: view.filter.match });
        if (view.filter.sort) setSort(view.filter.sort);
        restart();
      }} />}
      <section aria-labelledby="contacts-title">
        <h1 id="contacts-title">{blocked ? 'Blocked contacts' : 'Contacts'}</h1>
        <div class="toolbar">
          <label for="search">Search</label>
          <input id="search" type="search" value={q} placeholder="Name, email, phone or tag"
            onInput={(e) => { setQ(e.currentTarget.value); restart(); }} />
          <label for="sort">Sort by</label>
          <select id="sort" value={sort} onChange={(e) => { setSort(e.currentTarget.value); restart(); }}>
            {SORTS.map(([value, label]) => <option value={value}>{label}</option>)}
          </select>
        </div>
        {!blocked && <FilterBuilder filter={filter} onChange={(next) => { setFilter(next); restart(); }}
          expressionError={invalid?.kind === 'expression' ? invalid.message : undefined}
          conditionError={invalid?.kind === 'condition' ? invalid : undefined} />}
        {selectable && (selection.kind === 'all' || selection.ids.size > 0) && (
          <BulkBar me={me} selection={selection} query={{ filter: blocked ? { conditions: [{ field: 'blocked', op: 'is', value: true }], match: 'all' } : filter, q: q.trim() }}
            onClear={() => setSelection({ kind: 'ids', ids: new Map() })} onChanged={() => setReloads((n) => n + 1)} />
        )}
        {error && !invalid ? <Failure error={error} /> : !page ? <p role="status">Loading contacts…</p> : rows.length === 0
          ? <p class="empty">{q ? `No contact matches “${q}”.` : blocked ? 'No contact is blocked.' : filter.conditions.length
            ? 'No contact matches these conditions.' : 'No contacts yet.'}</p>
          : (
            <>
              {selectable && pageSelected && page.nextCursor && selection.kind !== 'all' && (
                <p class="select-all">All {rows.length} contacts on this page are selected.{' '}
                  <button type="button" class="link" onClick={() => setSelection({ kind: 'all' })}>Select all that match</button></p>
              )}
              <table class="contacts">
                <thead>
                  <tr>
                    {selectable && <th scope="col" class="select"><input type="checkbox" aria-label="Select every contact on this page"
                      checked={pageSelected} onChange={() => setSelection(pageSelected ? { kind: 'ids', ids: new Map() }
                        : { kind: 'ids', ids: new Map(rows.map((row) => [row.id, row.name])) })} /></th>}
                    <th scope="col">Name</th><th scope="col">Channels</th><th scope="col">Email</th><th scope="col">Phone</th>
                    <th scope="col">Tags</th><th scope="col">Lifecycle</th><th scope="col">Last interaction</th><th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((contact) => (
                    <tr key={contact.id}>
                      {selectable && <td class="select"><input type="checkbox" aria-label={`Select ${contact.name || 'this contact'}`}
                        checked={selection.kind === 'all' || selection.ids.has(contact.id)} disabled={selection.kind === 'all'}
                        onChange={() => toggle(contact)} /></td>}
                      <td class="name"><a href={`/admin/contacts/${contact.id}`}>{contact.name || '(no name)'}</a>
                        {contact.blocked && <span class="badge">blocked</span>}</td>
                      <td>{contact.channels.length === 0 ? <span class="hint">—</span> : contact.channels.map((c) => <ChannelIcon channel={c} />)}</td>
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
            </>
          )}
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
          <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>Next page</button>
        </nav>
      </section>
    </div>
  );
}

/** What the API said is wrong with the filter, to show beside the expression or the condition instead of over the table. */
function filterProblem(error: Error | undefined): { kind: 'expression'; message: string } | { kind: 'condition'; index: number; message: string }
  | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  if (error.code === 'invalid_expression') return { kind: 'expression', message: error.message };
  const index = /^conditions\[(\d+)\]/.exec(error.field ?? '')?.[1];
  return index === undefined ? undefined : { kind: 'condition', index: Number(index), message: error.message };
}

/** Saved views in a side list: open one, save the current filter as one (public or private), delete one's own. */
function ViewsList({ me, filter, sort, onOpen }: { me: Me; filter: Filter; sort: string; onOpen: (view: View) => void }) {
  const { data: views, error, setError, reload: load } = useLoad(async () => (await api<{ views: View[] }>('GET', '/api/views')).views);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const save = (event: Event) => {
    event.preventDefault();
    api('POST', '/api/views', { name: name.trim(), public: shared, filter: { ...filter, sort } })
      .then(() => { setName(''); return load(); }, setError);
  };
  return (
    <aside class="views" aria-labelledby="views-title">
      <h2 id="views-title">Saved views</h2>
      {!views ? !error && <p role="status">Loading views…</p> : views.length === 0 ? <p class="empty">No saved views.</p> : (
        <ul>
          {views.map((view) => (
            <li key={view.id}>
              <button type="button" class="link" onClick={() => onOpen(view)}>{view.name}</button>
              <small>{view.public ? 'public' : 'private'}</small>
              {(view.ownerKeyId === me.id || can.own(me)) && (
                <button type="button" class="link" aria-label={`Delete view ${view.name}`}
                  onClick={() => api('DELETE', `/api/views/${view.id}`).then(load, setError)}>×</button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && <Failure error={error} />}
      <form onSubmit={save}>
        <label for="view-name">Save this filter as</label>
        <input id="view-name" value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
        <label class="inline"><input type="checkbox" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} /> Public</label>
        <button type="submit">Save view</button>
      </form>
    </aside>
  );
}
