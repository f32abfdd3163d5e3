import { describe, expect, it } from 'vitest';
import { assembleReported } from '../../../server/twin/reported-document.ts';
import { decodeLeaf, encodeLeaf } from '../../../server/twin/reported-fields.ts';

const T0 = Date.UTC(2024, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

describe('reported fields', () => {
  it.each([['plain'], ['with "quotes", commas, ] and \\ backslashes'], ['ünïcödé ✓'], ['line\nbreak'], [''], [12.5], [-3], [1e21], [true], [false], [null]])(
    'round-trips %j',
    (value) => {
      const raw = encodeLeaf(JSON.stringify(value), T0, 'send');
      expect(decodeLeaf(raw)).toEqual({ value, ts: T0, source: 'send' });
    },
  );
});

describe('assembleReported', () => {
  it('builds nested values and metadata, tombstones moving their parent', () => {
    const fields = new Map([
      ['device.batteryLevel', encodeLeaf('55', T0 + 10, 'notify')],
      ['device.gone', encodeLeaf('null', T0 + 50, 'read')],
      ['temperature.0.sensorValue', encodeLeaf('20.5', T0 + 20, 'send')],
      ['removed.entirely', encodeLeaf('null', T0 + 70, 'read')],
    ]);
    const section = assembleReported(fields, 4, T0);
    expect(section).toEqual({
      device: { batteryLevel: 55 },
      temperature: { '0': { sensorValue: 20.5 } },
      $metadata: {
        $lastUpdated: iso(T0 + 70),
        device: { $lastUpdated: iso(T0 + 50), batteryLevel: { $lastUpdated: iso(T0 + 10), $source: 'notify' } },
        temperature: { $lastUpdated: iso(T0 + 20), '0': { $lastUpdated: iso(T0 + 20), sensorValue: { $lastUpdated: iso(T0 + 20), $source: 'send' } } },
      },
      $version: 4,
    });
  });

  it('stamps an empty section with the creation time', () => {
    expect(assembleReported({}, 1, T0)).toEqual({ $metadata: { $lastUpdated: iso(T0) }, $version: 1 });
  });

  it('resolves a stored leaf/node collision in favour of the newer data', () => {
    const nodeWins = assembleReported({ a: encodeLeaf('1', T0, 'read'), 'a.b': encodeLeaf('2', T0 + 1, 'read') }, 1, T0);
    expect(nodeWins.a).toEqual({ b: 2 });
    expect(nodeWins.$metadata.a).toEqual({ $lastUpdated: iso(T0 + 1), b: { $lastUpdated: iso(T0 + 1), $source: 'read' } });
    const leafWins = assembleReported({ 'a.b': encodeLeaf('2', T0, 'read'), a: encodeLeaf('1', T0 + 1, 'notify') }, 1, T0);
    expect(leafWins.a).toBe(1);
    expect(leafWins.$metadata.a).toEqual({ $lastUpdated: iso(T0 + 1), $source: 'notify' });
  });
});
