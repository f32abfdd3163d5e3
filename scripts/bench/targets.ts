/** The product's performance targets, as the benchmark checks them. */
import type { Target } from './bench-types.ts';

export const TARGETS = {
  /** Register → 2.01 throughput with 10,000 devices (issue 17). */
  registrationsPerSec: { op: '>=', value: 10_000, text: '≥ 10,000/s' },
  /** Registration storm: 100,000 devices from cold until every one is registered and observed (issue 17). */
  stormObservedSec: { op: '<=', value: 60, text: '≤ 60 s (target at 100k)' },
  notificationsPerSec: { op: '>=', value: 50_000, text: '≥ 50,000/s' },
  notifyP99Ms: { op: '<=', value: 100, text: '≤ 100 ms' },
  shallowReadsPerSec: { op: '>=', value: 30_000, text: '≥ 30,000/s' },
  shallowReadP99Ms: { op: '<=', value: 5, text: '≤ 5 ms' },
  deepReadJobsPerSec: { op: '>=', value: 5_000, text: '≥ 5,000/s' },
  deepReadP50Ms: { op: '<=', value: 10, text: '≤ 10 ms' },
  rssBytesPerDevice: { op: '<=', value: 4096, text: '≤ 4 KB (target at 100k)' },
  /** A whole bootstrap session is ~7 exchanges: 100,000 devices onboard in under two minutes. */
  bootstrapSessionsPerSec: { op: '>=', value: 1_000, text: '≥ 1,000/s' },
  /** coaps notifications written per plain CoAP notification written, same fleet size and offered rate. */
  dtlsNotifyRatio: { op: '>=', value: 0.7, text: '≥ 0.7 of plain CoAP' },
  dtlsRssBytesPerSession: { op: '<=', value: 1024, text: '≤ 1 KB' },
  /** 2 nodes on a 3-master Redis Cluster against 1 node on one Redis, same load (issue 14). */
  scaleRatio: { op: '>=', value: 1.6, text: '≥ 1.6×' },
  /** SIGKILL of a node until the last of its devices serves again on another node (issue 14). */
  failoverSec: { op: '<=', value: 10, text: '≤ 10 s' },
  /** lwtwin against lwm2m-node-lib doing the same work (registrations/s, device reads/s), same fleet and load. */
  peerRatio: { op: '>=', value: 1, text: '≥ 1× the peer' },
  queryMs: { op: '<=', value: 250, text: '≤ 250 ms (target at 100k)' },
} satisfies Record<string, Target>;
