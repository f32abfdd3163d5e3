/** Jobs: a form creating a job for one device, a list or a query, and the job list with a status filter. */
import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../api/lwtwin-api.ts';
import { useConsole } from '../context.ts';
import { parseValue } from '../format.ts';
import type { JobRequest } from '../jobs-client.ts';
import { href } from '../router.ts';
import { ErrorText, JobTable, Pager } from './parts.tsx';
import { messageOf } from '../session.ts';

const TYPES: Array<[JobRequest['type'], string]> = [
  ['deepRead', 'Deep read'],
  ['deepWrite', 'Deep write'],
  ['execute', 'Execute'],
  ['firmwareUpdate', 'Firmware update'],
  ['twinUpdate', 'Twin update'],
];
const STATUSES = ['queued', 'scheduled', 'running', 'completed', 'failed', 'cancelled'];

export function JobsView() {
  return (
    <>
      <h1>Jobs</h1>
      <NewJob />
      <JobList />
    </>
  );
}

function NewJob() {
  const { api } = useConsole();
  const [type, setType] = useState<JobRequest['type']>('deepRead');
  const [target, setTarget] = useState<'device' | 'devices' | 'query'>('device');
  const [targetText, setTargetText] = useState('');
  const [property, setProperty] = useState('');
  const [value, setValue] = useState('');
  const [args, setArgs] = useState('');
  const [packageUri, setPackageUri] = useState('');
  const [patch, setPatch] = useState('{"tags": {}}');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const spec: Record<string, unknown> = { type };
    if (target === 'device') spec.deviceId = targetText.trim();
    else if (target === 'devices')
      spec.deviceIds = targetText
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    else spec.query = targetText.trim();
    if (type === 'deepRead' || type === 'deepWrite' || type === 'execute') spec.property = property.trim();
    if (type === 'deepWrite') spec.value = parseValue(value);
    if (type === 'execute' && args.trim()) spec.args = args.trim();
    if (type === 'firmwareUpdate') spec.packageUri = packageUri.trim();
    if (type === 'twinUpdate') {
      try {
        spec.patch = JSON.parse(patch);
      } catch {
        setError('The patch is not valid JSON');
        return;
      }
    }
    setBusy(true);
    try {
      const { jobId } = await api.call('post', '/api/jobs', { body: spec as JobRequest });
      location.hash = href.job(jobId);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card newjob" onSubmit={submit} aria-labelledby="newjob-h">
      <h2 id="newjob-h">New job</h2>
      <div class="grid">
        <label>
          Job type
          <select value={type} onChange={(e) => setType(e.currentTarget.value as JobRequest['type'])}>
            {TYPES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Target</legend>
          {(
            [
              ['device', 'One device'],
              ['devices', 'A list of devices'],
              ['query', 'Devices matching a query'],
            ] as const
          ).map(([v, label]) => (
            <label key={v} class="radio">
              <input type="radio" name="target" value={v} checked={target === v} onChange={() => setTarget(v)} /> {label}
            </label>
          ))}
        </fieldset>
        <label>
          {target === 'device' ? 'Device' : target === 'devices' ? 'Devices (comma-separated)' : 'Query condition (WHERE)'}
          <input value={targetText} required onInput={(e) => setTargetText(e.currentTarget.value)} placeholder={target === 'query' ? "connectionState = 'connected'" : 'sim-0'} />
        </label>
        {(type === 'deepRead' || type === 'deepWrite' || type === 'execute') && (
          <label>
            Property
            <input value={property} required onInput={(e) => setProperty(e.currentTarget.value)} placeholder={type === 'execute' ? 'device.reboot or /3/0/4' : 'device.batteryLevel or /3/0/9'} />
          </label>
        )}
        {type === 'deepWrite' && (
          <label>
            Value
            <input value={value} required onInput={(e) => setValue(e.currentTarget.value)} placeholder="Europe/Oslo" />
          </label>
        )}
        {type === 'execute' && (
          <label>
            Arguments
            <input value={args} onInput={(e) => setArgs(e.currentTarget.value)} placeholder="optional, e.g. 0,1='x'" />
          </label>
        )}
        {type === 'firmwareUpdate' && (
          <label>
            Package URI
            <input value={packageUri} required onInput={(e) => setPackageUri(e.currentTarget.value)} placeholder="coap://firmware.example/pkg-1.2.bin" />
          </label>
        )}
        {type === 'twinUpdate' && (
          <label>
            Patch (JSON)
            <textarea rows={3} value={patch} onInput={(e) => setPatch(e.currentTarget.value)} />
          </label>
        )}
      </div>
      <button type="submit" disabled={busy}>
        Start job
      </button>
      <ErrorText text={error} />
    </form>
  );
}

function JobList() {
  const { api, events } = useConsole();
  const [status, setStatus] = useState('');
  const [jobs, setJobs] = useState<Schemas['JobSummary'][]>([]);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [next, setNext] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    api
      .call('get', '/api/jobs', { query: { limit: 25, ...(status ? { status: status as Schemas['JobSummary']['status'] } : {}), ...(cursor ? { cursor } : {}) } })
      .then((page) => {
        setJobs(page.items);
        setNext(page.cursor);
        setError(undefined);
      })
      .catch((err) => setError(messageOf(err)));
  }, [api, status, cursor, version]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = events.subscribe((e) => {
      if ((e.type === 'job' || e.type === 'jobSubmitted') && !timer) timer = setTimeout(() => ((timer = undefined), setVersion((v) => v + 1)), 500);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [events]);
  return (
    <section aria-labelledby="joblist-h">
      <h2 id="joblist-h">Job list</h2>
      <label>
        Status
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setCursors([undefined]);
          }}
        >
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <ErrorText text={error} />
      <JobTable jobs={jobs} label="Jobs" empty={`No jobs${status ? ` with status ${status}` : ''}.`} />
      <Pager label="Job pages" hasPrevious={cursors.length > 1} hasNext={Boolean(next)} onPrevious={() => setCursors((c) => c.slice(0, -1))} onNext={() => setCursors((c) => [...c, next])} />
    </section>
  );
}
