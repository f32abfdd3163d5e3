/**
 * One device: registration, twin (tags and desired editable, reported values with age and source, fresh ones marked
 * as notifications arrive), the object tree with per-resource actions, its jobs and its live event log.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Schemas } from '../../../api/lwtwin-api.ts';
import { useConsole } from '../context.ts';
import { age, leaves, show, stateWord } from '../format.ts';
import { objectDefinitions, type ObjectDefinition } from '../object-model.ts';
import { href, useTicker } from '../router.ts';
import { messageOf } from '../session.ts';
import type { LiveEvent } from '../live-events.ts';
import { ObjectTree } from './object-tree.tsx';
import { TwinEditor } from './twin-editor.tsx';
import { ErrorText, JobTable } from './parts.tsx';

type Twin = Schemas['Twin'];
const TWIN_EVENTS = new Set(['reported', 'twinChanged', 'desiredAccepted', 'desiredRejected', 'registered', 'updated', 'deregistered', 'expired']);
const FRESH_MS = 5000;

export function DeviceView({ ep }: { ep: string }) {
  const { api, events } = useConsole();
  const now = useTicker();
  const [twin, setTwin] = useState<Twin | undefined>();
  const [registration, setRegistration] = useState<Schemas['Device'] | null | undefined>();
  const [defs, setDefs] = useState<Map<number, ObjectDefinition>>(new Map());
  const [error, setError] = useState<string | undefined>();
  const [log, setLog] = useState<LiveEvent[]>([]);
  const [fresh, setFresh] = useState<Record<string, number>>({});
  const [jobsVersion, setJobsVersion] = useState(0);

  const loadTwin = () =>
    api
      .call('get', '/api/devices/{ep}/twin', { path: { ep } })
      .then(setTwin)
      .catch((err) => setError(messageOf(err)));
  const loadRegistration = () =>
    api
      .call('get', '/api/devices/{ep}', { path: { ep } })
      .then(setRegistration)
      .catch((err) => (err instanceof ApiError && err.status === 404 ? setRegistration(null) : setError(messageOf(err))));

  useEffect(() => {
    void loadTwin();
    void loadRegistration();
    objectDefinitions(api)
      .then(setDefs)
      .catch(() => undefined);
  }, [api, ep]);

  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const unsubscribe = events.subscribe((e) => {
      if (e.deviceId !== ep) return;
      setLog((l) => [e, ...l].slice(0, 50));
      if (e.type === 'reported' && Array.isArray(e.data?.properties)) {
        const at = Date.now();
        setFresh((f) => ({ ...f, ...Object.fromEntries((e.data.properties as string[]).map((p) => [p, at])) }));
      }
      if (e.type === 'job') setJobsVersion((v) => v + 1);
      if (['registered', 'updated', 'deregistered', 'expired'].includes(e.type)) void loadRegistration();
      if (TWIN_EVENTS.has(e.type) && !reloadTimer.current) {
        reloadTimer.current = setTimeout(() => {
          reloadTimer.current = undefined;
          void loadTwin();
        }, 200);
      }
    });
    return () => {
      unsubscribe();
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
    };
  }, [api, events, ep]);

  if (error && !twin) {
    return (
      <>
        <h1>{ep}</h1>
        <ErrorText text={error} />
        <a href={href.devices()}>Back to devices</a>
      </>
    );
  }
  if (!twin) return <p>Loading {ep}…</p>;
  const reported = (twin.properties?.reported ?? {}) as Record<string, any>;
  const rows = leaves(reported).filter((r) => !r.property.startsWith('lwm2m.'));
  const state = stateWord(twin.connectionState);
  return (
    <>
      <p class="crumbs">
        <a href={href.devices()}>Devices</a> /
      </p>
      <h1>
        {ep} <span class={`state ${state}`}>{state}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>Twin version</dt>
          <dd>{twin.version}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd title={twin.lastActivityTime}>{age(twin.lastActivityTime, now) || '–'}</dd>
        </div>
        {registration && (
          <>
            <div>
              <dt>LwM2M</dt>
              <dd>{registration.lwm2mVersion}</dd>
            </div>
            <div>
              <dt>Binding</dt>
              <dd>
                {registration.binding}
                {registration.queueMode ? ' (queue mode)' : ''}
              </dd>
            </div>
            <div>
              <dt>Address</dt>
              <dd>
                {registration.peer.address}:{registration.peer.port}
              </dd>
            </div>
            <div>
              <dt>Lifetime</dt>
              <dd>{registration.lifetime} s</dd>
            </div>
          </>
        )}
        {registration === null && (
          <div>
            <dt>Registration</dt>
            <dd>not registered</dd>
          </div>
        )}
      </dl>

      <h2>Twin</h2>
      <div class="cards">
        <TwinEditor twin={twin} section="tags" onTwin={setTwin} />
        <TwinEditor twin={twin} section="desired" onTwin={setTwin} />
      </div>

      <h2 id="reported-h">Reported properties</h2>
      <div class="table-wrap">
        <table aria-labelledby="reported-h">
          <thead>
            <tr>
              <th scope="col">Property</th>
              <th scope="col">Value</th>
              <th scope="col">Age</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const isFresh = fresh[r.property] !== undefined && now - fresh[r.property] < FRESH_MS;
              return (
                <tr key={r.property} class={isFresh ? 'fresh' : ''}>
                  <th scope="row">{r.property}</th>
                  <td>
                    {show(r.value)}
                    {isFresh && <span class="badge">new</span>}
                  </td>
                  <td title={r.lastUpdated}>{age(r.lastUpdated, now)}</td>
                  <td>{r.source}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h2>Objects</h2>
      {registration ? <ObjectTree ep={ep} links={registration.objectLinks} defs={defs} reported={reported} now={now} /> : <p class="muted">The device is not registered: no object links.</p>}

      <DeviceJobs ep={ep} version={jobsVersion} />

      <h2 id="log-h">Live events</h2>
      <ol class="log" aria-labelledby="log-h" aria-live="off">
        {log.length === 0 && <li class="muted">Waiting for events of {ep}…</li>}
        {log.map((e, i) => (
          <li key={`${e.time}-${i}`}>
            <time>{e.time.slice(11, 23)}</time> <strong>{e.type}</strong> {summary(e)}
          </li>
        ))}
      </ol>
    </>
  );
}

function summary(e: LiveEvent): string {
  const d = e.data ?? {};
  if (e.type === 'reported') return (d.properties ?? []).join(', ');
  if (e.type === 'job') return `${d.jobType ?? ''} ${d.jobId ?? ''} ${d.deviceStatus ?? d.status ?? ''}`;
  return JSON.stringify(d);
}

/** Single-device jobs of this device among the latest jobs (operators only; readers cannot list jobs). */
function DeviceJobs({ ep, version }: { ep: string; version: number }) {
  const { api, role } = useConsole();
  const [jobs, setJobs] = useState<Schemas['JobSummary'][]>([]);
  useEffect(() => {
    if (role !== 'operator') return;
    api
      .call('get', '/api/jobs', { query: { limit: 200 } })
      .then((page) => setJobs(page.items.filter((j) => j.target.deviceId === ep).slice(0, 20)))
      .catch(() => undefined);
  }, [api, ep, version, role]);
  if (role !== 'operator') return null;
  return (
    <>
      <h2>Jobs</h2>
      <JobTable jobs={jobs} label="Jobs of this device" empty="No recent jobs for this device." />
    </>
  );
}
