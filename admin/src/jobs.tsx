import { useEffect, useState } from 'preact/hooks';
import { api, type Job } from './api.js';
import { Failure } from './ui.js';

/** A background job's progress bar, polled until it ends; `onDone` once it succeeded. */
export function JobProgress({ id, label, onDone }: { id: string; label: string; onDone: () => void }) {
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let current = true;
    const poll = () => api<Job>('GET', `/api/jobs/${id}`).then((next) => {
      if (!current) return;
      setJob(next);
      if (next.status === 'succeeded') onDone();
      else if (next.status !== 'failed') timer = setTimeout(poll, 400);
    }, (e: Error) => current && setError(e));
    poll();
    return () => { current = false; clearTimeout(timer); };
  }, [id]);
  if (error) return <Failure error={error} />;
  const done = job?.done ?? 0;
  const total = job?.total ?? 0;
  return (
    <div class="job">
      <label for={`job-${id}`}>{label}</label>
      <progress id={`job-${id}`} max={Math.max(total, 1)} value={job?.status === 'succeeded' ? Math.max(total, 1) : done} />
      <span role="status">{!job ? 'Starting…' : job.status === 'succeeded' ? `Done: ${done} of ${total}.`
        : job.status === 'failed' ? `Failed: ${job.error ?? 'no reason given'}` : `${done} of ${total}…`}</span>
    </div>
  );
}
