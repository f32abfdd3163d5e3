/**
 * Devices: fleet counters and chart, then every device twin (registered or not) as a table with paging, a filter
 * box taking a query's WHERE clause, and rows kept fresh from the live events.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConsole } from '../context.ts';
import { age, show, stateWord } from '../format.ts';
import { href, useTicker } from '../router.ts';
import { ErrorText, Pager } from './parts.tsx';
import { messageOf } from '../session.ts';
import { FleetStats } from './fleet-stats.tsx';

type Twin = Record<string, any>;
const PAGE_SIZE = 20;
const ROW_EVENTS = new Set(['reported', 'twinChanged', 'updated', 'desiredAccepted', 'desiredRejected']);
const LIST_EVENTS = new Set(['registered', 'deregistered', 'expired']);

export function DevicesView() {
  const { api, events } = useConsole();
  const now = useTicker();
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  /** Continuation tokens of the pages before the current one (for Previous). */
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const [rows, setRows] = useState<Twin[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [listVersion, setListVersion] = useState(0);
  const [fresh, setFresh] = useState<Record<string, number>>({});
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const token = tokens[tokens.length - 1];
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    const query = `SELECT * FROM devices${applied.trim() ? ` WHERE ${applied.trim()}` : ''}`;
    api
      .call('post', '/api/query', { body: { query, pageSize: PAGE_SIZE, ...(token ? { continuationToken: token } : {}) } })
      .then((page) => {
        if (cancelled) return;
        setRows(page.items);
        setNext(page.continuationToken);
        setError(undefined);
      })
      .catch((err) => !cancelled && setError(messageOf(err)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [api, applied, token, listVersion]);

  // Live rows: a visible device's event refetches its twin (at most once a second); devices coming or going reload the page.
  useEffect(() => {
    const pending = new Map<string, ReturnType<typeof setTimeout>>();
    let reload: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = events.subscribe((e) => {
      if (LIST_EVENTS.has(e.type)) {
        reload ??= setTimeout(() => {
          reload = undefined;
          setListVersion((v) => v + 1);
        }, 1000);
      }
      const ep = e.deviceId;
      if (!ep || !(ROW_EVENTS.has(e.type) || LIST_EVENTS.has(e.type)) || pending.has(ep) || !rowsRef.current.some((r) => r.deviceId === ep)) return;
      pending.set(
        ep,
        setTimeout(() => {
          pending.delete(ep);
          api
            .call('get', '/api/devices/{ep}/twin', { path: { ep } })
            .then((twin) => {
              setRows((rs) => rs.map((r) => (r.deviceId === ep ? twin : r)));
              setFresh((f) => ({ ...f, [ep]: Date.now() }));
            })
            .catch(() => undefined);
        }, 300),
      );
    });
    return () => {
      unsubscribe();
      for (const t of pending.values()) clearTimeout(t);
      if (reload) clearTimeout(reload);
    };
  }, [api, events]);

  const apply = (e: Event) => {
    e.preventDefault();
    setApplied(filter);
    setTokens([undefined]);
  };

  return (
    <>
      <h1>Devices</h1>
      <FleetStats refreshKey={listVersion} />
      <form class="filter" onSubmit={apply} role="search">
        <label for="device-filter">Filter (WHERE clause)</label>
        <input
          id="device-filter"
          type="search"
          placeholder="tags.location.plant = 'Oslo' AND properties.reported.device.batteryLevel < 20"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <button type="submit">Apply</button>
      </form>
      <ErrorText text={error} />
      <div class="table-wrap">
        <table aria-label="Devices" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">LwM2M</th>
              <th scope="col">Binding</th>
              <th scope="col">Last seen</th>
              <th scope="col">Battery</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => {
              const lw = t.properties?.reported?.lwm2m ?? {};
              const battery = t.properties?.reported?.device?.batteryLevel;
              const state = stateWord(t.connectionState);
              return (
                <tr key={t.deviceId} class={fresh[t.deviceId] && now - fresh[t.deviceId] < 2000 ? 'fresh' : ''}>
                  <td>
                    <a href={href.device(t.deviceId)}>{t.deviceId}</a>
                  </td>
                  <td>
                    <span class={`state ${state}`}>{state}</span>
                  </td>
                  <td>{show(lw.version)}</td>
                  <td>{show(lw.binding)}</td>
                  <td title={t.lastActivityTime}>{age(t.lastActivityTime, now)}</td>
                  <td>{battery === undefined ? '' : `${battery} %`}</td>
                </tr>
              );
            })}
            {!loading && rows.length === 0 && (
              <tr>
                <td colSpan={6}>No devices{applied ? ' match this filter' : ' yet'}.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager label="Device pages" hasPrevious={tokens.length > 1} hasNext={Boolean(next)} onPrevious={() => setTokens((t) => t.slice(0, -1))} onNext={() => setTokens((t) => [...t, next])}>
        <span>Page {tokens.length}</span>
      </Pager>
    </>
  );
}
