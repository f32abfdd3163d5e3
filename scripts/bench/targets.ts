/** The product's performance targets, as the benchmark checks them. */
import type { Target } from './bench-types.ts';

export const TARGETS = {
  registrationsPerSec: { op: '>=', value: 20_000, text: '≥ 20,000/s' },
  notificationsPerSec: { op: '>=', value: 50_000, text: '≥ 50,000/s' },
  notifyP99Ms: { op: '<=', value: 100, text: '≤ 100 ms' },
  shallowReadsPerSec: { op: '>=', value: 30_000, text: '≥ 30,000/s' },
  shallowReadP99Ms: { op: '<=', value: 5, text: '≤ 5 ms' },
  deepReadJobsPerSec: { op: '>=', value: 5_000, text: '≥ 5,000/s' },
  deepReadP50Ms: { op: '<=', value: 10, text: '≤ 10 ms' },
  rssBytesPerDevice: { op: '<=', value: 2048, text: '≤ 2 KB (target at 100k)' },
  /** A whole bootstrap session is ~7 exchanges: 100,000 devices onboard in under two minutes. */
  bootstrapSessionsPerSec: { op: '>=', value: 1_000, text: '≥ 1,000/s' },
  /** coaps notifications written per plain CoAP notification written, same fleet size and offered rate. */
  dtlsNotifyRatio: { op: '>=', value: 0.7, text: '≥ 0.7 of plain CoAP' },
  dtlsRssBytesPerSession: { op: '<=', value: 1024, text: '≤ 1 KB' },
  queryMs: { op: '<=', value: 250, text: '≤ 250 ms (target at 100k)' },
} satisfies Record<string, Target>;
