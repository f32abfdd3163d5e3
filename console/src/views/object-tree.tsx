/**
 * The device's objects from its registration links, named from the object model; every resource shows its twin
 * value and, for operators, Read (a deep read job), Write, Execute and Observe with the result inline.
 */
import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api/lwtwin-api.ts';
import { useConsole } from '../context.ts';
import { age, show } from '../format.ts';
import { outcome, runJob, type JobRequest } from '../jobs-client.ts';
import { propertySegments, reportedAt, type ObjectDefinition } from '../object-model.ts';
import { messageOf } from '../session.ts';

type Link = Schemas['Device']['objectLinks'][number];
type Resource = ObjectDefinition['resources'][number];
type Result = { busy?: boolean; ok?: boolean; text?: string };

export function ObjectTree({ ep, links, defs, reported, now }: { ep: string; links: Link[]; defs: Map<number, ObjectDefinition>; reported: Record<string, any>; now: number }) {
  const objects = new Map<number, number[]>();
  for (const l of links) {
    if (l.objectId === 0) continue; // security credentials are never readable
    const list = objects.get(l.objectId) ?? [];
    if (l.instanceId !== undefined) list.push(l.instanceId);
    objects.set(l.objectId, list);
  }
  return (
    <div class="tree">
      {[...objects].map(([objectId, instances]) => {
        const def = defs.get(objectId);
        return (
          <section key={objectId} class="object" aria-label={`${def?.name ?? 'object'} /${objectId}`}>
            <h4>
              {def ? humanName(def.name) : 'Unknown object'} <code>/{objectId}</code> {def && <span class="muted">v{def.version}</span>}
            </h4>
            {instances.length === 0 && <p class="muted">No instance announced.</p>}
            {instances.map((i) => (
              <details key={i} open={objectId === 3}>
                <summary>
                  Instance <code>/{objectId}/{i}</code>
                </summary>
                {def ? <Instance ep={ep} def={def} instanceId={i} reported={reported} now={now} /> : <p class="muted">No definition loaded for object {objectId}.</p>}
              </details>
            ))}
          </section>
        );
      })}
    </div>
  );
}

function humanName(camel: string): string {
  const s = camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function Instance({ ep, def, instanceId, reported, now }: { ep: string; def: ObjectDefinition; instanceId: number; reported: Record<string, any>; now: number }) {
  const { role } = useConsole();
  return (
    <div class="table-wrap">
      <table aria-label={`Resources of /${def.id}/${instanceId}`}>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Value</th>
            {role === 'operator' && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {def.resources.map((r) => (
            <ResourceRow key={r.id} ep={ep} def={def} instanceId={instanceId} resource={r} current={reportedAt(reported, propertySegments(def.id, def, instanceId, r.id))} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Turns typed text into the JSON value a resource of `type` takes. */
function typedValue(type: Resource['type'], text: string): unknown {
  if (type === 'integer' || type === 'unsignedInteger' || type === 'float') return Number(text);
  if (type === 'boolean') return text === 'true' || text === '1';
  return text;
}

function ResourceRow({ ep, def, instanceId, resource, current, now }: { ep: string; def: ObjectDefinition; instanceId: number; resource: Resource; current?: { value: unknown; lastUpdated?: string; source?: string }; now: number }) {
  const { api, role } = useConsole();
  const [result, setResult] = useState<Result>({});
  const [writing, setWriting] = useState(false);
  const [text, setText] = useState('');
  const path = `/${def.id}/${instanceId}/${resource.id}`;
  const ops = resource.operations;
  const run = async (spec: JobRequest, label: string) => {
    setResult({ busy: true, text: `${label}…` });
    try {
      const o = outcome(await runJob(api, spec));
      setResult({ ok: o.ok, text: `${label}: ${o.text}` });
    } catch (err) {
      setResult({ ok: false, text: `${label}: ${messageOf(err)}` });
    }
  };
  return (
    <tr>
      <th scope="row">
        {humanName(resource.name)} <code>{path}</code>
        <span class="muted"> {ops || '–'}</span>
      </th>
      <td>
        {current ? (
          <>
            {show(current.value)}
            {resource.units ? ` ${resource.units}` : ''}
            <span class="muted">
              {' '}
              {age(current.lastUpdated, now)} {current.source}
            </span>
          </>
        ) : (
          ''
        )}
        {result.text && (
          <div role="status" class={result.busy ? 'muted' : result.ok ? 'ok' : 'error'}>
            {result.text}
          </div>
        )}
      </td>
      {role === 'operator' && (
        <td class="actions">
            {ops.includes('R') && (
              <button type="button" class="small" aria-label={`Read ${path}`} disabled={result.busy} onClick={() => run({ type: 'deepRead', deviceId: ep, property: path }, 'Read')}>
                Read
              </button>
            )}
            {ops.includes('W') && (
              <button type="button" class="small" aria-label={`Write ${path}`} aria-expanded={writing} onClick={() => setWriting(!writing)}>
                Write
              </button>
            )}
            {ops.includes('E') && (
              <button type="button" class="small" aria-label={`Execute ${path}`} disabled={result.busy} onClick={() => run({ type: 'execute', deviceId: ep, property: path }, 'Execute')}>
                Execute
              </button>
            )}
            {ops.includes('R') && (
              <button type="button" class="small" aria-label={`Observe ${path}`} disabled={result.busy} onClick={() => run({ type: 'observe', deviceId: ep, property: path }, 'Observe')}>
                Observe
              </button>
            )}
            {writing && (
              <form
                class="inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  void run({ type: 'deepWrite', deviceId: ep, property: path, value: typedValue(resource.type, text) }, 'Write');
                }}
              >
                <label>
                  Value for {path}
                  <input value={text} onInput={(e) => setText(e.currentTarget.value)} required />
                </label>
                <button type="submit" class="small" disabled={result.busy}>
                  Send write
                </button>
              </form>
            )}
        </td>
      )}
    </tr>
  );
}
