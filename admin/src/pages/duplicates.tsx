import { useState } from 'preact/hooks';
import { api, can, type Me, type Suggestion } from '../api.js';
import { useLiveEvents } from '../live.js';
import { MergeDrawer } from '../merge.js';
import { Failure, useLoad, when } from '../ui.js';

/** Every open merge suggestion, newest first, with both contacts side by side, Merge and "Not a duplicate"; new ones appear live. */
export function DuplicatesPage({ me }: { me: Me }) {
  const { data: suggestions, error, setError, reload: load } = useLoad(async () =>
    (await api<{ duplicates: Suggestion[] }>('GET', '/api/duplicates')).duplicates);
  const [merging, setMerging] = useState<{ id: string; name: string }[]>();
  useLiveEvents(['duplicate_flagged', 'contact.merged', 'contact.unmerged', 'contact.deleted', 'contact.blocked'], load);
  return (
    <section aria-labelledby="duplicates-page-title">
      <h1 id="duplicates-page-title">Possible duplicates</h1>
      {error && <Failure error={error} />}
      {merging && <MergeDrawer me={me} initial={merging} onClose={(merged) => { setMerging(undefined); if (merged) void load(); }} />}
      {!suggestions ? !error && <p role="status">Loading suggestions…</p> : suggestions.length === 0 ? <p class="empty">No open suggestions.</p> : (
        <table>
          <thead><tr><th scope="col">Contact</th><th scope="col">Possible duplicate</th><th scope="col">Why</th><th scope="col">Since</th>
            {can.manage(me) && <th scope="col"><span class="visually-hidden">Actions</span></th>}</tr></thead>
          <tbody>
            {suggestions.map((s) => (
              <tr key={s.id}>
                <td><a href={`/admin/contacts/${s.contact.id}`}>{s.contact.name}</a></td>
                <td><a href={`/admin/contacts/${s.other.id}`}>{s.other.name}</a></td>
                <td><mark>{s.reason}</mark></td>
                <td>{when(s.createdAt)}</td>
                {can.manage(me) && <td class="actions">
                  <button type="button" onClick={() => setMerging([s.contact, s.other])}>Merge</button>{' '}
                  <button type="button" onClick={() => api('POST', `/api/duplicates/${s.id}/dismiss`).then(load, setError)}>Not a duplicate</button>
                </td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
