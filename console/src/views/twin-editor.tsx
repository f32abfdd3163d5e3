/**
 * Tags or desired properties of a twin: the current values and a form to set or remove one. The twin's ETag is taken
 * when the operator starts editing and sent as If-Match. The ETag covers the whole twin, so a 412 caused only by the
 * device's reported values is retried with the new ETag; when the section being edited changed meanwhile, the 412 is
 * shown with the version the twin has now, and the next Save uses that version.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, type Schemas } from '../../../api/lwtwin-api.ts';
import { useConsole } from '../context.ts';
import { age, leaves, nest, parseValue, show } from '../format.ts';
import { messageOf } from '../session.ts';

type Twin = Schemas['Twin'];
/** What an edit started from: the ETag to send and the edited section as it was. */
type Base = { etag: string; version: number; section: string };

function baseOf(twin: Twin, section: 'tags' | 'desired'): Base {
  return { etag: twin.etag, version: twin.version, section: section === 'tags' ? JSON.stringify(twin.tags) : String(twin.properties.desired.$version) };
}

export function TwinEditor({ twin, section, onTwin }: { twin: Twin; section: 'tags' | 'desired'; onTwin: (t: Twin) => void }) {
  const { api, role } = useConsole();
  const base = useRef<Base | undefined>(undefined);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error' | 'stale'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const noun = section === 'tags' ? 'Tag' : 'Desired property';
  const values = (section === 'tags' ? twin.tags : twin.properties.desired) as Record<string, any>;
  const rows = section === 'tags' ? leaves(values, {}) : leaves(values);

  const startEditing = () => {
    base.current ??= baseOf(twin, section);
  };

  const save = async (property: string, v: unknown) => {
    startEditing();
    const from = base.current!;
    const patch = section === 'tags' ? { tags: nest(property, v) } : { properties: { desired: nest(property, v) } };
    setBusy(true);
    try {
      let etag = from.etag;
      let updated: Twin | undefined;
      for (let attempt = 0; !updated; attempt++) {
        try {
          updated = await api.call('patch', '/api/devices/{ep}/twin', { path: { ep: twin.deviceId }, body: patch, headers: { 'if-match': etag } });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 412) || attempt >= 3) throw err;
          const current = await api.call('get', '/api/devices/{ep}/twin', { path: { ep: twin.deviceId } });
          if (baseOf(current, section).section !== from.section) throw err;
          etag = current.etag; // only reported values moved: the edit still applies to what the operator saw
        }
      }
      base.current = undefined;
      onTwin(updated);
      setStatus({ kind: 'ok', text: `Saved ${property}: twin version ${updated.version}` });
      if (v !== null) setValue('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        const current = await api.call('get', '/api/devices/{ep}/twin', { path: { ep: twin.deviceId } });
        base.current = baseOf(current, section);
        onTwin(current);
        setStatus({ kind: 'stale', text: `Changed meanwhile: you edited version ${from.version}, the twin is now at version ${current.version}. Check the values and save again.` });
      } else {
        setStatus({ kind: 'error', text: messageOf(err) });
      }
    } finally {
      setBusy(false);
    }
  };

  const id = `${section}-${twin.deviceId}`;
  return (
    <section aria-labelledby={`${id}-h`} class="card">
      <h3 id={`${id}-h`}>{section === 'tags' ? 'Tags' : 'Desired properties'}</h3>
      {rows.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="table-wrap">
        <table aria-label={section === 'tags' ? 'Tags' : 'Desired properties'}>
          <tbody>
            {rows.map((r) => {
              const sync = section === 'desired' ? twin.desiredSync[r.property] : undefined;
              return (
                <tr key={r.property}>
                  <th scope="row">{r.property}</th>
                  <td>{show(r.value)}</td>
                  <td class="muted">
                    {sync ? `${sync.status}${sync.error ? `: ${sync.error}` : ''}` : ''} {r.lastUpdated ? age(r.lastUpdated) : ''}
                  </td>
                  {role === 'operator' && (
                    <td>
                      <button type="button" class="small" disabled={busy} aria-label={`Remove ${section === 'tags' ? 'tag' : 'desired'} ${r.property}`} onClick={() => save(r.property, null)}>
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
      )}
      {role === 'operator' && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void save(name.trim(), parseValue(value));
          }}
        >
          <label>
            {noun}
            <input value={name} required placeholder={section === 'tags' ? 'location.plant' : 'device.timezone'} onFocus={startEditing} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Value
            <input value={value} placeholder="text or JSON; null removes" onFocus={startEditing} onInput={(e) => setValue(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Save {section === 'tags' ? 'tag' : 'desired'}
          </button>
        </form>
      )}
      {status && (
        <p role={status.kind === 'ok' ? 'status' : 'alert'} class={status.kind === 'ok' ? 'ok' : 'error'}>
          {status.text}
        </p>
      )}
    </section>
  );
}
