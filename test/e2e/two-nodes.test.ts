import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.ts';
import { finishedJob, TwoNodes } from '../helpers/two-nodes.ts';

const DEVICES = 12;

describe('two lwtwin nodes on a 3-master Redis Cluster behind the deploy/nginx UDP balancer', () => {
  const fleet = new TwoNodes();
  afterAll(() => fleet.stop());

  it('spreads devices over both nodes, runs a fleet job with exact counts, and survives kill -9 of one node', async () => {
    await fleet.start('nodes');
    const [a, b] = fleet.nodes;
    const sim = fleet.simulate({ count: DEVICES, prefix: 'nd-', seed: 14, tickMs: 300, lifetime: 30 });
    await sim.ready;
    const initial = await fleet.registered(DEVICES);
    const onA = [...initial].filter(([, s]) => s === 'node-a').map(([ep]) => ep);
    expect(onA.length).toBeGreaterThan(0);
    expect(onA.length).toBeLessThan(DEVICES);

    // tags through one node, a fleet job by query through the other: every device runs on its own node, and the
    // node's requests reach each device back through the balancer's UDP session
    for (const ep of initial.keys()) await a.api.patch(`/api/devices/${ep}/twin`, { tags: { site: 'two-nodes' } });
    const first = await b.api.post('/api/jobs', { type: 'deepRead', query: "tags.site = 'two-nodes'", property: 'device.batteryLevel', maxExecutionTimeSec: 60 });
    const done = await finishedJob(a.api, first.jobId);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ devices: DEVICES, succeeded: DEVICES, failed: 0, pending: 0, running: 0 });
    // each node reports the devices it serves and the device outcomes it recorded: the sums are the fleet's
    const perNode = async (metric: string, labels = '') => Promise.all(fleet.nodes.map((n) => fleet.metric(n, metric, labels)));
    const online = await perNode('lwtwin_devices_online');
    expect(online).toEqual([onA.length, DEVICES - onA.length]);
    await eventually(async () => (await perNode('lwtwin_jobs_total', 'outcome="succeeded"')).reduce((x, y) => x + y) === DEVICES, 'one succeeded outcome counted per device', 5_000);
    expect(await perNode('lwtwin_jobs_total', 'outcome="succeeded"')).toEqual([onA.length, DEVICES - onA.length]);

    // kill -9 node A; a second fleet job is queued meanwhile, its A devices into A's (now dead) queue
    await fleet.kill(a);
    const second = await b.api.post('/api/jobs', { type: 'deepRead', query: "tags.site = 'two-nodes'", property: 'device.batteryLevel', maxExecutionTimeSec: 150 });

    // A's devices send their next Update; the balancer moves them to B, which takes the registrations over
    for (const d of sim.devices()) if (onA.includes(d.name)) d.client.triggerUpdate();
    await eventually(async () => [...(await fleet.owners()).values()].every((s) => s === 'node-b'), 'node B to hold every device', 30_000, 200);

    const after = await finishedJob(b.api, second.jobId);
    expect(after.status).toBe('completed');
    expect(after.counts).toMatchObject({ devices: DEVICES, succeeded: DEVICES, failed: 0 });
    for (const r of after.results) expect(typeof r.value).toBe('number');

    // B observes the moved devices again: their reported values move on
    const moved = onA[0];
    const before = await b.api.get(`/api/devices/${moved}/properties/device.batteryLevel`);
    await eventually(async () => {
      const now = await b.api.get(`/api/devices/${moved}/properties/device.batteryLevel`);
      return now.source === 'notify' && Date.parse(now.lastUpdated) > Date.parse(before.lastUpdated);
    }, 'a notification of a moved device through node B', 20_000, 200);
  }, 240_000);
});
