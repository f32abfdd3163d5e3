/** Hash routes (`#/devices/sim-0`), so the console works from any static host without server-side rewrites. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'devices' }
  | { view: 'device'; ep: string }
  | { view: 'query' }
  | { view: 'jobs' }
  | { view: 'job'; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'devices' && parts[1]) return { view: 'device', ep: parts[1] };
  if (parts[0] === 'query') return { view: 'query' };
  if (parts[0] === 'jobs' && parts[1]) return { view: 'job', id: parts[1] };
  if (parts[0] === 'jobs') return { view: 'jobs' };
  return { view: 'devices' };
}

export const href = {
  devices: () => '#/devices',
  device: (ep: string) => `#/devices/${encodeURIComponent(ep)}`,
  query: () => '#/query',
  jobs: () => '#/jobs',
  job: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Re-renders every `ms` (ages like "3 s ago" stay true). */
export function useTicker(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
