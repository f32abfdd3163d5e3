import { describe, expect, it } from 'vitest';
import type { TwinGateway } from '../../../jobs/device-gateway.ts';
import { resolveJobTarget } from '../../../jobs/validation/job-target.ts';
import { FakeTwin } from '../fake-devices.ts';

function twinWith(...eps: string[]): FakeTwin {
  const twin = new FakeTwin();
  for (const ep of eps) twin.add(ep, { plant: ep.startsWith('n') ? 'north' : 'south' });
  return twin;
}

async function codeOf(spec: Parameters<typeof resolveJobTarget>[0], twin: TwinGateway, max = 100): Promise<string | undefined> {
  try {
    await resolveJobTarget(spec, twin, max);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('resolveJobTarget', () => {
  const twin = twinWith('n1', 'n2', 's1');

  it('resolves one device, a device list (deduplicated, in order) and a query', async () => {
    expect(await resolveJobTarget({ deviceId: 'n1' }, twin, 100)).toEqual({ target: { kind: 'device', deviceId: 'n1' }, devices: ['n1'], fleet: false });
    expect(await resolveJobTarget({ deviceIds: ['s1', 'n1', 's1'] }, twin, 100)).toEqual({ target: { kind: 'devices' }, devices: ['s1', 'n1'], fleet: true });
    expect(await resolveJobTarget({ query: "WHERE tags.plant = 'north'" }, twin, 100)).toEqual({ target: { kind: 'query', query: "tags.plant = 'north'" }, devices: ['n1', 'n2'], fleet: true });
  });

  it('refuses missing or several targets, unknown devices, empty and oversized fleets', async () => {
    expect(await codeOf({}, twin)).toBe('INVALID_JOB');
    expect(await codeOf({ deviceId: 'n1', query: 'x' }, twin)).toBe('INVALID_JOB');
    expect(await codeOf({ deviceId: 'zz' }, twin)).toBe('NOT_FOUND');
    expect(await codeOf({ deviceIds: ['n1', 'zz'] }, twin)).toBe('NOT_FOUND');
    expect(await codeOf({ deviceIds: [] }, twin)).toBe('EMPTY_FLEET');
    expect(await codeOf({ deviceIds: 'n1' as never }, twin)).toBe('INVALID_JOB');
    expect(await codeOf({ query: "tags.plant = 'east'" }, twin)).toBe('EMPTY_FLEET');
    expect(await codeOf({ deviceIds: ['n1', 'n2', 's1'] }, twin, 2)).toBe('INVALID_JOB');
  });

  it('maps 400-type query errors to BAD_QUERY and other failures to INTERNAL', async () => {
    expect(await codeOf({ query: 'tags.plant ==' }, twin)).toBe('BAD_QUERY');
    const badRequest = twinWith('n1');
    badRequest.resolveQuery = async () => Promise.reject(Object.assign(new Error('bad'), { code: 'BAD_REQUEST', httpStatus: 400 }));
    expect(await codeOf({ query: 'x = 1' }, badRequest)).toBe('BAD_QUERY');
    const down = twinWith('n1');
    down.resolveQuery = async () => Promise.reject(new Error('Connection is closed.'));
    expect(await codeOf({ query: 'x = 1' }, down)).toBe('INTERNAL');
    expect(await codeOf({ query: 'x'.repeat(9000) }, twin)).toBe('BAD_QUERY');
  });
});
