import { useState } from 'preact/hooks';
import { api, download, type Filter, type Job, type Me } from './api.js';
import { JobProgress } from './jobs.js';
import { MergeDrawer } from './merge.js';
import { Failure } from './ui.js';

const MAX_MERGE = 25;

/** Rows picked one by one (id → name), or every contact the current filter and search match. */
export type Selection = { kind: 'ids'; ids: Map<string, string> } | { kind: 'all' };

/** What to do with the selected contacts: tag, untag, export CSV, delete (a job with its progress), merge. */
export function BulkBar({ me, selection, query, onClear, onChanged }: { me: Me; selection: Selection; query: { filter: Filter; q: string };
  onClear: () => void; onChanged: () => void }) {
  const [tag, setTag] = useState('');
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<Error>();
  const [job, setJob] = useState<string>();
  const [merging, setMerging] = useState(false);
  const ids = selection.kind === 'ids' ? [...selection.ids.keys()] : [];
  const matching = { filter: query.filter, ...(query.q ? { q: query.q } : {}) };
  const count = selection.kind === 'all' ? 'All matching contacts' : `${ids.length} selected`;
  const run = <T,>(promise: Promise<T>): Promise<T> => {
    setError(undefined);
    setMessage(undefined);
    return promise.catch((e: Error) => { setError(e); throw e; });
  };

  const retag = (change: 'add' | 'remove') => {
    if (!tag.trim()) return setError(new Error('Type the tag to add or remove first.'));
    const who = selection.kind === 'all' ? { selection: matching } : { contactIds: ids };
    void run(api<{ added: number; removed: number }>('POST', '/api/contacts/tags', { ...who, [change]: [tag.trim()] })).then((result) => {
      setMessage(change === 'add' ? `Tagged ${result.added} contacts “${tag.trim()}”.` : `Removed “${tag.trim()}” from ${result.removed} contacts.`);
      onChanged();
    }, () => undefined);
  };
  const exportCsv = () => {
    const params = new URLSearchParams(selection.kind === 'all'
      ? { filter: JSON.stringify(query.filter), ...(query.q ? { q: query.q } : {}) } : { ids: ids.join(',') });
    void run(download(`/api/contacts/export.csv?${params}`, 'contacts.csv')).then(() => setMessage('Export downloaded.'), () => undefined);
  };
  const remove = () => {
    const what = selection.kind === 'all' ? 'every contact that matches' : `${ids.length} contacts`;
    if (!confirm(`Delete ${what} for good? Their next message makes a new contact.`)) return;
    void run(api<Job>('POST', '/api/contacts/delete', selection.kind === 'all' ? matching : { ids })).then((started) => setJob(started.id),
      () => undefined);
  };

  return (
    <div class="bulk" role="region" aria-label="Selected contacts">
      <strong>{count}</strong>
      <label for="bulk-tag">Tag</label>
      <input id="bulk-tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
      <button type="button" onClick={() => retag('add')}>Add tag</button>
      <button type="button" onClick={() => retag('remove')}>Remove tag</button>
      <button type="button" onClick={exportCsv}>Export CSV</button>
      {selection.kind === 'ids' && ids.length >= 2 && (
        <button type="button" disabled={ids.length > MAX_MERGE} title={ids.length > MAX_MERGE ? `At most ${MAX_MERGE} at once` : undefined}
          onClick={() => setMerging(true)}>Merge…</button>
      )}
      <button type="button" class="danger" onClick={remove}>Delete</button>
      <button type="button" class="link" onClick={onClear}>Clear selection</button>
      {message && <span role="status">{message}</span>}
      {error && <Failure error={error} />}
      {job && <JobProgress id={job} label="Deleting contacts" onDone={onChanged} />}
      {merging && selection.kind === 'ids' && (
        <MergeDrawer me={me} initial={[...selection.ids].map(([id, name]) => ({ id, name }))}
          onClose={(merged) => { setMerging(false); if (merged) { onClear(); onChanged(); } }} />
      )}
    </div>
  );
}
