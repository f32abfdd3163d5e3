/**
 * Fleet counters (registered, online, notifications/s over the last minute) and a small chart of registrations and
 * notifications over time. Counts come from a GROUP BY query; rates from this server's `/metrics` counters, sampled
 * every 5 s while the page is open.
 */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context.ts';

interface Sample {
  t: number;
  notifications: number;
  registrations: number;
}

const SAMPLE_MS = 5000;
const KEEP = 120; // ten minutes of samples

/** Sum of every series of a counter in Prometheus text (`name{...} value`). */
export function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

export function FleetStats({ refreshKey }: { refreshKey: number }) {
  const { api } = useConsole();
  const [counts, setCounts] = useState<{ registered?: number; online?: number; asleep?: number }>({});
  const [samples, setSamples] = useState<Sample[]>([]);

  useEffect(() => {
    let cancelled = false;
    api
      .call('post', '/api/query', { body: { query: 'SELECT connectionState, COUNT() AS n FROM devices GROUP BY connectionState' } })
      .then((page) => {
        if (cancelled) return;
        const by: Record<string, number> = {};
        for (const row of page.items) by[String(row.connectionState)] = Number(row.n);
        setCounts((c) => ({ ...c, online: by.connected ?? 0, asleep: by.asleep ?? 0 }));
      })
      .catch(() => undefined);
    api
      .call('get', '/api/health')
      .then((h) => !cancelled && setCounts((c) => ({ ...c, registered: h.devices ?? undefined })))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [api, refreshKey]);

  useEffect(() => {
    let stopped = false;
    const sample = async () => {
      try {
        const text = String(await api.call('get', '/metrics'));
        const s = { t: Date.now(), notifications: counterSum(text, 'lwtwin_notifications_total'), registrations: counterSum(text, 'lwtwin_registrations_total') };
        if (!stopped) setSamples((prev) => [...prev.slice(-(KEEP - 1)), s]);
      } catch {
        /* metrics unavailable: the counters stay as they are */
      }
    };
    void sample();
    const timer = setInterval(sample, SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api]);

  const last = samples[samples.length - 1];
  const minuteAgo = samples.find((s) => last && s.t >= last.t - 60_000 - SAMPLE_MS / 2);
  const rate = last && minuteAgo && last.t > minuteAgo.t ? (last.notifications - minuteAgo.notifications) / ((last.t - minuteAgo.t) / 1000) : undefined;

  return (
    <section class="stats" aria-label="Fleet">
      <dl class="counters">
        <div>
          <dt>Registered</dt>
          <dd>{counts.registered ?? '…'}</dd>
        </div>
        <div>
          <dt>Online</dt>
          <dd>{counts.online ?? '…'}</dd>
        </div>
        <div>
          <dt>Asleep</dt>
          <dd>{counts.asleep ?? '…'}</dd>
        </div>
        <div>
          <dt>Notifications/s (last min)</dt>
          <dd>{rate === undefined ? '…' : rate.toFixed(1)}</dd>
        </div>
      </dl>
      <ActivityChart samples={samples} />
    </section>
  );
}

/** Per-interval registrations and notifications as two lines (hand-drawn SVG). */
function ActivityChart({ samples }: { samples: Sample[] }) {
  const W = 320;
  const H = 80;
  const deltas = samples.slice(1).map((s, i) => ({ n: s.notifications - samples[i].notifications, r: s.registrations - samples[i].registrations }));
  const max = Math.max(1, ...deltas.map((d) => Math.max(d.n, d.r)));
  const step = W / Math.max(1, KEEP - 1);
  const line = (pick: (d: { n: number; r: number }) => number) =>
    deltas.map((d, i) => `${(W - (deltas.length - 1 - i) * step).toFixed(1)},${(H - (pick(d) / max) * (H - 4) - 2).toFixed(1)}`).join(' ');
  const total = deltas.reduce((a, d) => ({ n: a.n + d.n, r: a.r + d.r }), { n: 0, r: 0 });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Last ${Math.round((deltas.length * SAMPLE_MS) / 1000)} s: ${total.n} notifications, ${total.r} registrations`}>
        <rect x="0" y="0" width={W} height={H} class="chart-bg" />
        {deltas.length > 1 && <polyline points={line((d) => d.n)} class="line-n" />}
        {deltas.length > 1 && <polyline points={line((d) => d.r)} class="line-r" />}
      </svg>
      <figcaption>
        <span class="key-n">notifications</span> and <span class="key-r">registrations</span> per 5 s (max {max}), since this page opened
      </figcaption>
    </figure>
  );
}
