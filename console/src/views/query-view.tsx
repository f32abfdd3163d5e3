/** Query editor: examples, results as a table, continuation-token paging, export of the rows loaded as JSON or CSV. */
import { useState } from 'preact/hooks';
import { useConsole } from '../context.ts';
import { show } from '../format.ts';
import { ErrorText } from './parts.tsx';
import { messageOf } from '../session.ts';

const EXAMPLES = [
  'SELECT * FROM devices',
  "SELECT deviceId, properties.reported.device.batteryLevel AS battery FROM devices WHERE connectionState = 'connected'",
  'SELECT * FROM devices WHERE properties.reported.device.batteryLevel < 50',
  'SELECT connectionState, COUNT() AS devices FROM devices GROUP BY connectionState',
  "SELECT deviceId, tags FROM devices WHERE tags.location.plant = 'Oslo'",
];

type Row = Record<string, unknown>;

/** Columns of a result: the union of the rows' keys; whole twins show their main fields. */
function columns(rows: Row[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  const out = [...keys];
  return out.includes('properties') ? ['deviceId', 'connectionState', 'lastActivityTime', 'tags', 'version'].filter((k) => keys.has(k)) : out;
}

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV of the rows (objects as JSON). */
export function toCsv(rows: Row[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [keys.map(csvCell).join(','), ...rows.map((r) => keys.map((k) => csvCell(r[k])).join(','))].join('\r\n') + '\r\n';
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function QueryView() {
  const { api } = useConsole();
  const [query, setQuery] = useState(EXAMPLES[0]);
  const [pageSize, setPageSize] = useState(50);
  const [rows, setRows] = useState<Row[]>([]);
  const [ran, setRan] = useState<string | undefined>();
  const [token, setToken] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (more: boolean) => {
    setBusy(true);
    setError(undefined);
    const q = more && ran ? ran : query;
    try {
      const page = await api.call('post', '/api/query', { body: { query: q, pageSize, ...(more && token ? { continuationToken: token } : {}) } });
      setRows((r) => (more ? [...r, ...page.items] : page.items));
      setToken(page.continuationToken);
      setRan(q);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const cols = columns(rows);
  return (
    <>
      <h1>Query</h1>
      <form
        class="query"
        onSubmit={(e) => {
          e.preventDefault();
          void run(false);
        }}
      >
        <label for="query-text">Query</label>
        <textarea id="query-text" rows={3} value={query} spellcheck={false} onInput={(e) => setQuery(e.currentTarget.value)} />
        <div class="row">
          <label>
            Page size
            <input type="number" min={1} max={1000} value={pageSize} onInput={(e) => setPageSize(Number(e.currentTarget.value) || 50)} />
          </label>
          <button type="submit" disabled={busy}>
            Run query
          </button>
        </div>
      </form>
      <details>
        <summary>Examples</summary>
        <ul class="examples">
          {EXAMPLES.map((x) => (
            <li key={x}>
              <button type="button" class="link" onClick={() => setQuery(x)}>
                {x}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <ErrorText text={error} />
      {ran && (
        <>
          <p role="status">
            {rows.length} row{rows.length === 1 ? '' : 's'}
            {token ? ' (more available)' : ''}
          </p>
          <div class="row">
            <button type="button" disabled={!token || busy} onClick={() => run(true)}>
              Load more
            </button>
            <button type="button" disabled={rows.length === 0} onClick={() => download('lwtwin-query.json', 'application/json', JSON.stringify(rows, null, 2))}>
              Export JSON
            </button>
            <button type="button" disabled={rows.length === 0} onClick={() => download('lwtwin-query.csv', 'text/csv', toCsv(rows))}>
              Export CSV
            </button>
          </div>
          <div class="table-wrap">
            <table aria-label="Query results">
              <thead>
                <tr>
                  {cols.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    {cols.map((c) => (
                      <td key={c}>{c === 'deviceId' && typeof r[c] === 'string' ? <a href={`#/devices/${encodeURIComponent(r[c] as string)}`}>{r[c] as string}</a> : show(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
