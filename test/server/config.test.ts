import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = loadConfig({}, {});
    expect(c.coapPort).toBe(5683);
    expect(c.httpPort).toBe(8080);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.observePmin).toBe(300);
    expect(c.observePmax).toBe(21600);
    expect(c.observeObjects).toEqual([3, 4, 5, 6]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes flags over environment over file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ coapPort: 1111, httpPort: 2222, redisPrefix: 'file:' }));
    const c = loadConfig({ 'coap-port': '3333', config: file }, { LWTWIN_HTTP_PORT: '4444' });
    expect(c.coapPort).toBe(3333);
    expect(c.httpPort).toBe(4444);
    expect(c.redisPrefix).toBe('file:');
  });

  it.each([
    [{ 'coap-port': '70000' }, {}, '--coap-port'],
    [{}, { LWTWIN_HTTP_PORT: 'abc' }, 'LWTWIN_HTTP_PORT'],
    [{}, { LWTWIN_REDIS_URL: 'http://x' }, 'LWTWIN_REDIS_URL'],
    [{}, { LWTWIN_LOG_LEVEL: 'loud' }, 'LWTWIN_LOG_LEVEL'],
    [{}, { LWTWIN_OBSERVE_OVERRIDES: '{"x": {}}' }, 'LWTWIN_OBSERVE_OVERRIDES'],
    [{}, { LWTWIN_ADMIN_TOKEN: 'short' }, 'LWTWIN_ADMIN_TOKEN'],
    [{}, { LWTWIN_OBSERVE_PMIN: '600', LWTWIN_OBSERVE_PMAX: '60' }, 'pmax 60 is below pmin 600'],
    [{ 'observe-pmin': '5', 'observe-pmax': '10' }, {}, 'object 5: pmax 10 is below pmin 30'],
    [{ 'observe-pmin': '5', 'observe-pmax': '100', 'observe-overrides': '{"3/9":{"pmin":200}}' }, {}, 'resource 3/9: pmax 100 is below pmin 200'],
    [{ 'observe-pmin': '5', 'observe-pmax': '100', 'observe-overrides': '{"6":{"pmax":1}}' }, {}, 'object 6: pmax 1 is below pmin 5'],
  ])('refuses a bad value and names it (%j %j)', (flags, env, name) => {
    expect(() => loadConfig(flags, env)).toThrow(ConfigError);
    expect(() => loadConfig(flags, env)).toThrow(name);
  });

  it('accepts overrides that keep pmax >= pmin everywhere, and pmax 0 (no maximum)', () => {
    expect(loadConfig({ 'observe-pmin': '5', 'observe-pmax': '10', 'observe-overrides': '{"5":{"pmin":30,"pmax":60}}' }, {}).observeOverrides).toEqual({ '5': { pmin: 30, pmax: 60 } });
    expect(loadConfig({ 'observe-pmin': '5', 'observe-pmax': '0' }, {}).observePmax).toBe(0);
  });

  it('takes off, all or twin path prefixes for the numeric range index, canonical, default tags and desired', () => {
    const paths = (v: unknown) => loadConfig({ 'twin-range-index': v }, {}).twinRangeIndex;
    expect(loadConfig({}, {}).twinRangeIndex).toEqual(['properties.desired', 'tags']);
    for (const off of ['off', '0', 'false', 'none', false]) expect(paths(off)).toEqual([]);
    for (const all of ['all', '1', 'true', 'on', true]) expect(paths(all)).toEqual(['properties.desired', 'properties.reported', 'tags']);
    expect(paths(' tags , properties.reported.device.batteryLevel,properties.reported.device')).toEqual(['properties.reported.device', 'tags']);
    expect(paths('properties.reported.temperature.0.sensorValue,tags.rank,tags')).toEqual(['properties.reported.temperature.0.sensorValue', 'tags']);
    expect(loadConfig({}, { LWTWIN_TWIN_RANGE_INDEX: 'properties.reported.device.batteryLevel' }).twinRangeIndex).toEqual(['properties.reported.device.batteryLevel']);
  });

  it.each([
    ['properties', 'does not start with tags'],
    ['reported.device.batteryLevel', 'does not start with tags'],
    ['tagsx', 'does not start with tags'],
    ['tags.', 'an empty segment'],
    ['tags..a', 'an empty segment'],
    ['tags,', 'does not start with tags'],
    ['properties.desired.$version', 'the segment "$version"'],
    ['properties.reported.device battery', 'the segment "device battery"'],
    ['tags.a-b', 'the segment "a-b"'],
  ])('refuses the range index path list %j and names the flag', (value, why) => {
    expect(() => loadConfig({ 'twin-range-index': value }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ 'twin-range-index': value }, {})).toThrow(`--twin-range-index: `);
    expect(() => loadConfig({ 'twin-range-index': value }, {})).toThrow(why);
    expect(() => loadConfig({}, { LWTWIN_TWIN_RANGE_INDEX: value })).toThrow('LWTWIN_TWIN_RANGE_INDEX: ');
  });

  it('refuses an unknown key or bad JSON in the config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-cfg-'));
    const a = path.join(dir, 'a.json');
    writeFileSync(a, JSON.stringify({ coapPrt: 1 }));
    expect(() => loadConfig({ config: a }, {})).toThrow(/unknown option "coapPrt"/);
    const b = path.join(dir, 'b.json');
    writeFileSync(b, '{nope');
    expect(() => loadConfig({ config: b }, {})).toThrow(/cannot read/);
  });
});
