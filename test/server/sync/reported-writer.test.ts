import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../server/metrics.ts';
import { ReportedWriter } from '../../../server/sync/reported-writer.ts';
import { MemoryTwinStore } from '../../../server/twin/memory-twin-store.ts';

/** A pino logger that keeps its records, to check what an operator would see. */
function recordingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

async function counter(metrics: Metrics, name: string, labels = ''): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('ReportedWriter', () => {
  it('counts and logs reported values the twin refuses, and writes the rest', async () => {
    const twins = new MemoryTwinStore();
    await twins.ensure('dev-1');
    const metrics = new Metrics();
    const { logger, lines } = recordingLogger();
    const writer = new ReportedWriter({ twins, logger, metrics });
    const now = Date.now();
    writer.push([
      { ep: 'dev-1', property: ['device', 'batteryLevel'], value: 80, source: 'notify', timestamp: now },
      // over the 4 KB limit on one string value
      { ep: 'dev-1', property: ['device', 'blob'], value: 'x'.repeat(5000), source: 'notify', timestamp: now },
      // nine 4,000-byte values: the ninth would take the reported section over its 32 KB limit
      ...Array.from({ length: 9 }, (_, i) => ({ ep: 'dev-1', property: ['log', `part${i}`], value: 'y'.repeat(4000), source: 'notify' as const, timestamp: now })),
    ], now);
    await writer.flush();

    const twin = await twins.get('dev-1');
    expect(twin?.properties.reported.device).toMatchObject({ batteryLevel: 80 });
    expect(twin?.properties.reported.device).not.toHaveProperty('blob');
    expect(Object.keys(twin?.properties.reported.log ?? {})).toHaveLength(8);
    expect(await counter(metrics, 'lwtwin_reported_rejected_total')).toBe(2);
    expect(await counter(metrics, 'lwtwin_twin_writes_total', '{source="device"}')).toBe(9);
    // one line per interval, naming the first refusal; the second is counted, not logged again
    const refusals = lines.filter((l) => String(l.msg).includes('refused reported values'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0].err).toBe('dev-1: device.blob: strings must be at most 4096 bytes');
    expect(JSON.stringify(lines)).not.toContain('y'.repeat(100));
    await writer.close(1000);
  });
});
