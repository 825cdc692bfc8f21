import { useEffect, useState } from 'preact/hooks';
import { api, can, type Me, type Suggestion } from '../api.js';
import { Failure, when } from '../ui.js';

/** Every open merge suggestion, newest first, with both contacts and "Not a duplicate". */
export function DuplicatesPage({ me }: { me: Me }) {
  const [suggestions, setSuggestions] = useState<Suggestion[]>();
  const [error, setError] = useState<Error>();
  const load = () => api<{ duplicates: Suggestion[] }>('GET', '/api/duplicates').then((r) => { setSuggestions(r.duplicates); setError(undefined); }, setError);
  useEffect(() => { void load(); }, []);
  return (
    <section aria-labelledby="duplicates-page-title">
      <h1 id="duplicates-page-title">Possible duplicates</h1>
      {error && <Failure error={error} />}
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
                {can.manage(me) && <td><button type="button" onClick={() => api('POST', `/api/duplicates/${s.id}/dismiss`).then(load, setError)}>Not a duplicate</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
