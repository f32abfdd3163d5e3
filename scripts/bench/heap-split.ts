/**
 * Splits a V8 heap snapshot of a server into the parts that grow with the fleet: everything reachable from a part's
 * roots (named fields of the server's own objects, e.g. `ObservationRegistry.byToken`) that no earlier part claimed,
 * without walking into the server's long-lived singletons (so a closure pointing back at the endpoint does not claim
 * the whole endpoint). What no part claims is `other`. Self sizes only; nodes reached through weak edges are skipped.
 *
 *   npx tsx scripts/bench/heap-split.ts <file.heapsnapshot> [devices] [top constructors per part]
 */
import { readFileSync } from 'node:fs';

/** A part and where it starts: `Class.field` (that field's value) or `Class` (the instances themselves). */
export interface HeapPart {
  part: string;
  roots: readonly string[];
}

/** The parts of an lwtwin server, in claiming order. */
export const SERVER_PARTS: readonly HeapPart[] = [
  { part: 'observations (server)', roots: ['ObservationRegistry.byEndpoint', 'ObservationRegistry.byToken'] },
  { part: 'observations (CoAP)', roots: ['ClientObservations.byToken'] },
  { part: 'observation set-up state', roots: ['ObservationKeeper.states', 'ObservationKeeper.queue', 'ObservationKeeper.prompt'] },
  // the presence's per-device maps, not the object itself: through its event listeners it reaches module code
  { part: 'registrations', roots: ['RegistrationCache.cache', 'QueueModePresence.devices', 'QueueModePresence.awake'] },
  { part: 'twin cache', roots: ['CachedTwinStore.cache'] },
  { part: 'CoAP state (exchanges, dedup, blocks)', roots: ['EndpointCore.dedup', 'EndpointCore.byMid', 'EndpointCore.byToken', 'EndpointCore.block1', 'EndpointCore.block2', 'SharedTimerWheel', 'TimerWheel'] },
];

/** Objects never walked into: the process's long-lived singletons, shared by every device. */
const BARRIERS = new Set([
  'EndpointCore', 'CoapEndpoint', 'ClientObservations', 'ObservationRegistry', 'LwM2mServer', 'DeviceOperations', 'TwinSync', 'ObservationKeeper',
  'CachedTwinStore', 'RedisTwinStore', 'RegistrationCache', 'RedisRegistrationStore', 'Redis', 'Cluster', 'Socket', 'Metrics', 'Registry', 'ObjectRegistry',
  'PropertyNames', 'ReportedWriter', 'EventHub', 'QueueModePresence', 'RegistrationHandler', 'DtlsSocket', 'Logger', 'Pino', 'FastifyInstance', 'Server',
  'global', 'Window', 'system / NativeContext',
]);

/**
 * Edges never followed: hidden classes, prototypes, code and the parent scope of a closure's context (a per-device
 * closure's own context counts, the module scope above it does not).
 */
const SHARED_EDGES = new Set(['map', '__proto__', 'prototype', 'constructor', 'shared', 'code', 'feedback_cell', 'previous', 'script', 'scope_info', 'native_context', 'context_extension', 'extension']);

export interface HeapSplit {
  totalBytes: number;
  parts: Array<{ part: string; bytes: number; top?: Array<{ name: string; bytes: number; count: number }> }>;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export function heapSplit(file: string, parts: readonly HeapPart[] = SERVER_PARTS, detail = 0): HeapSplit {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [nType, nName, nSelf, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const objectType = nodeTypes.indexOf('object');
  const weak = edgeTypes.indexOf('weak');
  const propertyTypes = new Set(['property', 'internal'].map((t) => edgeTypes.indexOf(t)));
  // Edges whose name_or_index is a string (element and hidden edges carry an index).
  const named = new Set(['context', 'property', 'internal', 'shortcut'].map((t) => edgeTypes.indexOf(t)));
  const sharedType = new Set(['code', 'object shape'].map((t) => nodeTypes.indexOf(t)));
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * nf + nEdges] * ef;
    firstEdge[i + 1] = e;
  }
  const name = (i: number) => strings[nodes[i * nf + nName]];
  const isBarrier = (i: number) => nodes[i * nf + nType] === objectType && BARRIERS.has(name(i));
  const owner = new Int16Array(count).fill(-1);
  let totalBytes = 0;
  for (let i = 0; i < count; i++) totalBytes += nodes[i * nf + nSelf];

  const bytes = parts.map(() => 0);
  const byName = parts.map(() => new Map<string, { bytes: number; count: number }>());
  const label = (i: number) => `${nodeTypes[nodes[i * nf + nType]]}:${name(i).slice(0, 40)}`;
  parts.forEach((p, k) => {
    const starts: number[] = [];
    for (const root of p.roots) {
      const [cls, field] = root.split('.');
      for (let i = 0; i < count; i++) {
        if (nodes[i * nf + nType] !== objectType || name(i) !== cls) continue;
        if (field === undefined) {
          for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) if (edges[e + eType] !== weak) starts.push(edges[e + eTo] / nf);
          continue;
        }
        for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
          if (propertyTypes.has(edges[e + eType]) && strings[edges[e + eName]] === field) starts.push(edges[e + eTo] / nf);
        }
      }
    }
    const stack = starts.filter((i) => owner[i] === -1 && !isBarrier(i));
    for (const i of stack) owner[i] = k;
    while (stack.length > 0) {
      const i = stack.pop()!;
      bytes[k] += nodes[i * nf + nSelf];
      if (detail > 0) {
        const l = label(i);
        const c = byName[k].get(l) ?? { bytes: 0, count: 0 };
        c.bytes += nodes[i * nf + nSelf];
        c.count++;
        byName[k].set(l, c);
      }
      for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
        const type = edges[e + eType];
        if (type === weak) continue;
        if (named.has(type) && SHARED_EDGES.has(strings[edges[e + eName]])) continue;
        const to = edges[e + eTo] / nf;
        if (sharedType.has(nodes[to * nf + nType])) continue;
        if (owner[to] !== -1 || isBarrier(to)) continue;
        owner[to] = k;
        stack.push(to);
      }
    }
  });
  const claimed = bytes.reduce((a, b) => a + b, 0);
  return { totalBytes, parts: [...parts.map((p, k) => ({ part: p.part, bytes: bytes[k], ...(detail > 0 ? { top: [...byName[k]].map(([name, c]) => ({ name, ...c })).sort((a, b) => b.bytes - a.bytes).slice(0, detail) } : {}) })), { part: 'other', bytes: totalBytes - claimed }] };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [file, devicesArg, detailArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: heap-split.ts <file.heapsnapshot> [devices]');
  const devices = Number(devicesArg ?? 1);
  const split = heapSplit(file, SERVER_PARTS, Number(detailArg ?? 0));
  for (const p of split.parts) {
    console.log(`${(p.bytes / 1e6).toFixed(1).padStart(8)} MB  ${(p.bytes / devices).toFixed(0).padStart(7)} B/device  ${p.part}`);
    for (const t of p.top ?? []) console.log(`            ${(t.bytes / devices).toFixed(0).padStart(7)} B/device  ${String(t.count).padStart(8)}  ${t.name}`);
  }
  console.log(`${(split.totalBytes / 1e6).toFixed(1).padStart(8)} MB  ${(split.totalBytes / devices).toFixed(0).padStart(7)} B/device  total`);
}
