/** One job: live progress bar, counts, per-device results (paged), cancel. */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context.ts';
import { age, show } from '../format.ts';
import { FINAL_STATUSES, type Job } from '../jobs-client.ts';
import { href } from '../router.ts';
import { ErrorText, Pager, targetText } from './parts.tsx';
import { messageOf } from '../session.ts';

export function JobView({ id }: { id: string }) {
  const { api, events, role } = useConsole();
  const [job, setJob] = useState<Job | undefined>();
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    api
      .call('get', '/api/jobs/{id}', { path: { id }, query: { resultsLimit: 50, ...(cursor ? { resultsCursor: cursor } : {}) } })
      .then((j) => {
        setJob(j);
        setError(undefined);
      })
      .catch((err) => setError(messageOf(err)));
  }, [api, id, cursor, version]);

  // Live: the job's events refresh it (throttled); a slow poll covers a dropped event stream until the job ends.
  const final = job ? FINAL_STATUSES.has(job.status) : false;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bump = () => setVersion((v) => v + 1);
    const unsubscribe = events.subscribe((e) => {
      if (e.type === 'job' && e.data?.jobId === id && !timer) timer = setTimeout(() => ((timer = undefined), bump()), 250);
    });
    const poll = final ? undefined : setInterval(bump, 2000);
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
    };
  }, [events, id, final]);

  const cancel = async () => {
    setBusy(true);
    try {
      setJob(await api.call('delete', '/api/jobs/{id}', { path: { id } }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (!job)
    return error ? (
      <ErrorText text={error} />
    ) : (
      <p>Loading job {id}…</p>
    );
  const c = job.counts;
  const done = c.succeeded + c.failed + c.cancelled;
  return (
    <>
      <p class="crumbs">
        <a href={href.jobs()}>Jobs</a> /
      </p>
      <h1>
        Job {job.jobId} <span class={`status ${job.status}`}>{job.status}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>Type</dt>
          <dd>{job.type}</dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>{targetText(job)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd title={job.createdAt}>{age(job.createdAt)}</dd>
        </div>
        {job.endedAt && (
          <div>
            <dt>Ended</dt>
            <dd title={job.endedAt}>{age(job.endedAt)}</dd>
          </div>
        )}
      </dl>
      <div class="progress">
        <label for="job-progress">Progress</label>
        <progress id="job-progress" max={100} value={job.progress.percent} aria-valuetext={`${job.progress.percent}%`} />
        <span>
          {job.progress.percent}% · {done}/{c.devices} devices{job.progress.stage ? ` · ${job.progress.stage}` : ''}
        </span>
      </div>
      <dl class="counters">
        {(['devices', 'pending', 'running', 'succeeded', 'failed', 'cancelled'] as const).map((k) => (
          <div key={k}>
            <dt>{k[0].toUpperCase() + k.slice(1)}</dt>
            <dd>{c[k]}</dd>
          </div>
        ))}
      </dl>
      {role === 'operator' && !FINAL_STATUSES.has(job.status) && (
        <button type="button" disabled={busy} onClick={cancel}>
          Cancel job
        </button>
      )}
      <ErrorText text={error} />
      <h2 id="results-h">Results per device</h2>
      <div class="table-wrap">
        <table aria-labelledby="results-h">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Status</th>
              <th scope="col">Value or error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Ended</th>
            </tr>
          </thead>
          <tbody>
            {job.results.map((r) => (
              <tr key={r.deviceId}>
                <td>
                  <a href={href.device(r.deviceId)}>{r.deviceId}</a>
                </td>
                <td>{r.status}</td>
                <td class={r.error ? 'error' : ''}>{r.error ? `${r.error.code}: ${r.error.message}` : show(r.value)}</td>
                <td>{r.attempts}</td>
                <td>{age(r.endedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Result pages" noun="results" hasPrevious={cursors.length > 1} hasNext={Boolean(job.resultsCursor)} onPrevious={() => setCursors((x) => x.slice(0, -1))} onNext={() => setCursors((x) => [...x, job.resultsCursor])} />
    </>
  );
}
