import { useState } from 'preact/hooks';
import { api, type MergeRecord } from '../api.js';
import { Failure, useLoad, when } from '../ui.js';

/** Every merge, newest first, with who was merged into whom and undo for those not undone yet. */
export function MergesPage() {
  const { data: merges, error, setError, reload: load } = useLoad(async () =>
    (await api<{ merges: MergeRecord[] }>('GET', '/api/merges?limit=100')).merges);
  const [status, setStatus] = useState<string>();
  const name = (merge: MergeRecord, id: string) => merge.names?.[id] ?? '(deleted contact)';
  const undo = (merge: MergeRecord) => api('POST', `/api/merges/${merge.id}/undo`)
    .then(() => { setStatus(`Undone: ${merge.secondaryIds.length} contacts are separate from ${name(merge, merge.primaryId)} again.`); return load(); }, setError);
  return (
    <section aria-labelledby="merges-title">
      <h1 id="merges-title">Merge history</h1>
      {status && <p role="status">{status}</p>}
      {error && <Failure error={error} />}
      {!merges ? !error && <p role="status">Loading merges…</p> : merges.length === 0 ? <p class="empty">No merges yet.</p> : (
        <table>
          <thead><tr><th scope="col">When</th><th scope="col">Kept</th><th scope="col">Merged into it</th><th scope="col">Undone</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {merges.map((merge) => (
              <tr key={merge.id}>
                <td>{when(merge.mergedAt)}</td>
                <td><a href={`/admin/contacts/${merge.primaryId}`}>{name(merge, merge.primaryId)}</a></td>
                <td>{merge.secondaryIds.map((id) => name(merge, id)).join(', ')}</td>
                <td>{merge.undoneAt ? when(merge.undoneAt) : '—'}</td>
                <td>{!merge.undoneAt && <button type="button" onClick={() => undo(merge)}
                  aria-label={`Undo the merge into ${name(merge, merge.primaryId)}`}>Undo</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
