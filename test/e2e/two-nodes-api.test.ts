import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.ts';
import { finishedJob, TWO_NODES_TOKEN, TwoNodes, type FleetNode } from '../helpers/two-nodes.ts';

interface SseEvent {
  type: string;
  deviceId?: string;
  data: Record<string, any>;
}

/** An open `GET /api/events` on one node, collecting the events it receives. */
async function openEvents(node: FleetNode, query = ''): Promise<{ events: SseEvent[]; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(`${node.httpUrl}/api/events${query}`, { headers: { authorization: `Bearer ${TWO_NODES_TOKEN}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const data = text.slice(0, end).split('\n').find((l) => l.startsWith('data: '));
        text = text.slice(end + 2);
        if (data) events.push(JSON.parse(data.slice(6)));
      }
    }
  })();
  return { events, close: () => abort.abort() };
}

describe('two nodes behind the deploy/nginx balancer: the API of either node reaches devices of both', () => {
  const fleet = new TwoNodes();
  let owners: Map<string, string>;
  const deviceOf = (ep: string) => fleet.sims.flatMap((s) => s.devices()).find((d) => d.name === ep)!;

  beforeAll(async () => {
    await fleet.start('nodes-api');
    fleet.simulate({ count: 8, prefix: 'na-', seed: 15, tickMs: 300, lifetime: 30 });
    // firmware devices with a slow physics step (a download takes 2 steps), one loopback address each after sim's
    fleet.simulate({ count: 6, prefix: 'nf-', seed: 16, tickMs: 1500, lifetime: 30, firstIndex: 8 });
    await Promise.all(fleet.sims.map((s) => s.ready));
    owners = await fleet.registered(14);
  }, 150_000);
  afterAll(() => fleet.stop());

  it('SSE on one node carries the events of a device on the other, each once; a desired patch through one node reaches a device on the other', async () => {
    for (const [here, there] of [['node-a', 'node-b'], ['node-b', 'node-a']]) {
      const ep = [...owners].find(([e, s]) => s === here && e.startsWith('na-'))?.[0];
      if (!ep) continue; // every na- device hashed to one node: the other direction still runs
      const viewer = fleet.nodes.find((n) => n.id === there)!;
      const sse = await openEvents(viewer, `?deviceId=${ep}`);
      await new Promise((r) => setTimeout(r, 300)); // the subscription is live once the response has started; let it settle

      // an Update handled by the owning node shows up on the other node's stream, once
      deviceOf(ep).client.triggerUpdate();
      await eventually(() => sse.events.some((e) => e.type === 'updated'), `${there}'s event stream to show ${ep}'s Update on ${here}`, 10_000);
      // notifications written by the owner show up as reported changes
      await eventually(() => sse.events.some((e) => e.type === 'reported'), `${there}'s event stream to show ${ep}'s notifications`, 10_000);

      // a desired property patched through the other node is written to the device by its owner
      const zone = here === 'node-a' ? 'Asia/Tokyo' : 'Europe/Oslo';
      await viewer.api.patch(`/api/devices/${ep}/twin`, { properties: { desired: { device: { timezone: zone } } } });
      await eventually(() => deviceOf(ep).client.instance(3, 0)?.read(15) === zone, `${ep} on ${here} to receive the timezone patched through ${there}`, 15_000);
      await eventually(async () => {
        const t = await viewer.api.get(`/api/devices/${ep}/twin`);
        return t.desiredSync?.['device.timezone']?.status === 'accepted';
      }, 'the desired timezone recorded as accepted', 15_000);
      await eventually(() => sse.events.some((e) => e.type === 'desiredAccepted'), 'desiredAccepted on the other node', 10_000);
      // each event is published once, by the node that produced it (not once per node)
      expect(sse.events.filter((e) => e.type === 'desiredAccepted')).toHaveLength(1);
      sse.close();
    }
  }, 90_000);

  it('a firmware update in flight on a node killed with SIGKILL completes once on the surviving node, with exact counts', async () => {
    // the node that owns the first firmware device is the one killed
    const ep = [...owners.keys()].filter((e) => e.startsWith('nf-')).sort()[0];
    const victim = fleet.nodes.find((n) => n.id === owners.get(ep))!;
    const survivor = fleet.nodes.find((n) => n !== victim)!;
    const device = deviceOf(ep);
    const sse = await openEvents(survivor, '?types=job');
    await new Promise((r) => setTimeout(r, 300));

    const packageUri = 'coap://fw.example/lwtwin-9.9.1.bin'; // the simulated device takes the version from the URI
    const { jobId } = await survivor.api.post('/api/jobs', { type: 'firmwareUpdate', deviceId: ep, packageUri, maxExecutionTimeSec: 150 });
    // the victim wrote the Package URI: the device is downloading, the job waits for Downloaded on the victim
    await eventually(() => device.client.instance(5, 0)?.read(3) === 1, `${ep} to start downloading`, 15_000, 20);
    const running = await survivor.api.get(`/api/jobs/${jobId}`);
    expect(running.counts).toMatchObject({ devices: 1, running: 1, succeeded: 0, failed: 0 });
    await fleet.kill(victim);

    // the victim's devices send their next Update; nginx moves them to the survivor, which takes them over
    for (const s of fleet.sims) for (const d of s.devices()) if (owners.get(d.name) === victim.id) d.client.triggerUpdate();
    await eventually(async () => (await fleet.owners()).get(ep) === survivor.id, `${ep} to move to ${survivor.id}`, 30_000, 200);

    const done = await finishedJob(survivor.api, jobId);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ devices: 1, pending: 0, running: 0, succeeded: 1, failed: 0, cancelled: 0 });
    expect(done.progress).toMatchObject({ percent: 100, stage: 'done' });
    expect(done.results).toHaveLength(1);
    expect(done.results[0]).toMatchObject({ deviceId: ep, status: 'succeeded', value: { updateResult: 1 } });
    expect(device.client.instance(3, 0)?.read(3)).toBe('9.9.1');
    // one outcome for the device, published once, and the job finished once
    await eventually(() => sse.events.some((e) => e.data.jobId === jobId && e.data.status === 'completed'), 'the completion on the event stream', 5_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate, if any, would arrive within a flush or two
    const outcomes = sse.events.filter((e) => e.data.jobId === jobId && ['succeeded', 'failed', 'cancelled'].includes(e.data.deviceStatus));
    expect(outcomes.map((e) => e.data.deviceStatus)).toEqual(['succeeded']);
    expect(sse.events.filter((e) => e.data.jobId === jobId && e.data.kind === 'status' && e.data.status === 'completed')).toHaveLength(1);
    sse.close();
  }, 150_000);
});
