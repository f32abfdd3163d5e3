import os from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectRegistry } from '../../../objects/object-registry.ts';
import { PropertyNames } from '../../../objects/property-names.ts';
import { checkJobSpec, type SpecCheckDeps } from '../../../jobs/validation/job-spec-check.ts';
import { PackageSources } from '../../../jobs/runtime/package-source.ts';
import { loadRegistry } from '../registry.ts';

let deps: SpecCheckDeps;
beforeAll(async () => {
  const registry: ObjectRegistry = await loadRegistry();
  const packageSources = new PackageSources({ dir: os.tmpdir(), urlAllow: ['https://fw'], maxBytes: 1024, fetchTimeoutMs: 1000 });
  deps = { names: new PropertyNames(registry), models: registry, packageSources };
});

const NOW = Date.parse('2030-01-01T00:00:00Z');

async function codeOf(spec: unknown): Promise<string | undefined> {
  try {
    await checkJobSpec(spec, deps, NOW);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('checkJobSpec', () => {
  it('returns the payload and options of a valid spec', async () => {
    const checked = await checkJobSpec(
      { type: 'deepWrite', deviceId: 'd', property: 'device.timezone', value: 'UTC', jobId: 'job-1', startTime: '2030-01-01T01:00:00Z', maxExecutionTimeSec: 60, attempts: 5 },
      deps,
      NOW,
    );
    expect(checked).toEqual({
      jobId: 'job-1',
      type: 'deepWrite',
      payload: { type: 'deepWrite', path: '/3/0/15', propertyName: 'device.timezone', value: 'UTC', resourceType: 'string', multiple: false },
      startTime: Date.parse('2030-01-01T01:00:00Z'),
      maxExecutionTimeSec: 60,
      attempts: 5,
      target: { deviceId: 'd', deviceIds: undefined, query: undefined },
    });
  });

  it('normalises execute, observe and firmware payloads', async () => {
    expect((await checkJobSpec({ type: 'execute', deviceId: 'd', property: 'device.reboot', args: '' }, deps, NOW)).payload).toEqual({ type: 'execute', path: '/3/0/4', propertyName: 'device.reboot' });
    expect((await checkJobSpec({ type: 'observe', deviceId: 'd', property: '/3/0/9' }, deps, NOW)).payload).toMatchObject({ cancel: false });
    expect((await checkJobSpec({ type: 'firmwareUpdate', deviceId: 'd', packageUri: 'coaps://fw/x.bin' }, deps, NOW)).payload).toEqual({ type: 'firmwareUpdate', method: 'pull', packageUri: 'coaps://fw/x.bin' });
    expect((await checkJobSpec({ type: 'firmwareUpdate', deviceId: 'd', packageSource: 'https://fw/x.bin' }, deps, NOW)).payload).toEqual({ type: 'firmwareUpdate', method: 'push', packageSource: 'https://fw/x.bin' });
  });

  it('accepts a start time within the clock skew allowance as now', async () => {
    const checked = await checkJobSpec({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', startTime: new Date(NOW - 500).toISOString() }, deps, NOW);
    expect(checked.startTime).toBe(NOW);
  });

  it('refuses malformed specs and options', async () => {
    expect(await codeOf(null)).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'reboot', deviceId: 'd' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', value: 1 })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', jobId: 'a~b' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', jobId: '' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', startTime: '2029-12-31T23:00:00Z' })).toBe('START_TIME_IN_PAST');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', startTime: '2032-01-01T00:00:00Z' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', startTime: 1893456000 })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', maxExecutionTimeSec: 0 })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', maxExecutionTimeSec: 1.5 })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', attempts: 0 })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'deepWrite', deviceId: 'd', property: 'device.timezone' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'execute', deviceId: 'd', property: 'device.reboot', args: 'a\nb' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'firmwareUpdate', deviceId: 'd', packageUri: 'coap://x', packageSource: 'https://y' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'firmwareUpdate', deviceId: 'd', packageUri: `coap://x/${'a'.repeat(260)}` })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'firmwareUpdate', deviceId: 'd', packageSource: '/no/such/file.bin' })).toBe('PACKAGE_UNAVAILABLE');
    expect(await codeOf({ type: 'firmwareUpdate', deviceId: 'd', packageSource: 'https://elsewhere/x.bin' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'observe', deviceId: 'd', property: '/3/0/9', cancel: 'yes' })).toBe('INVALID_JOB');
    expect(await codeOf({ type: 'twinUpdate', deviceId: 'd', patch: {} })).toBe('INVALID_JOB');
  });
});
