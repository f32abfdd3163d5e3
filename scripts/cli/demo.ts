/**
 * `lwtwin demo`: the seed's walkthrough against a running server, through the public HTTP API only.
 * 0. how the device was onboarded by the bootstrap server (its session and `lwm2m.bootstrappedAt`); 1. tags on a device; its reported connectivity; 2. queries by tag, then tag + reported bearer; 3. every reported
 * property with its age (shallow read); 4. three deep reads of the battery level; 5. a deep write of the timezone,
 * the twin unchanged until the device's next notification, then a deep read of the new value.
 */
import type { ApiClient } from './api-client.ts';
import { followJob } from './job-commands.ts';
import { age, flattenReported, table } from './format.ts';

export interface DemoOptions {
  device?: string;
  notifyWaitSec: number;
  json: boolean;
}

export async function runDemo(api: ApiClient, opts: DemoOptions): Promise<boolean> {
  const log = (s = '') => {
    if (!opts.json) process.stdout.write(s + '\n');
  };
  const steps: Record<string, unknown> = {};

  const online = await api.call('get', '/api/devices', { query: { online: true, limit: 100 } });
  const ep: string | undefined = opts.device ?? online.items[0]?.endpoint;
  if (!ep) throw new Error('no online device: start some with `lwtwin simulate` (npm start runs 10)');
  const other: string | undefined = online.items.find((d) => d.endpoint !== ep)?.endpoint;

  log(`== 0. onboarding: the bootstrap server`);
  const bootstrapOk = await showBootstrap(api, ep, log, steps);

  log(`\n== 1. tags from the back end, connectivity from the device (${ep})`);
  await api.call('patch', '/api/devices/{ep}/twin', { path: { ep }, body: { tags: { location: { plant: 'Redmond43', region: 'us-west' } } } });
  if (other) await api.call('patch', '/api/devices/{ep}/twin', { path: { ep: other }, body: { tags: { location: { plant: 'Dublin7', region: 'eu-west' } } } });
  const bearer = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'connectivityMonitoring.networkBearer' } });
  log(`tags.location = {plant: 'Redmond43', region: 'us-west'}; reported connectivityMonitoring.networkBearer = ${bearer.value} (${age(bearer.lastUpdated)}, ${bearer.source})`);
  steps.tags = { device: ep, bearer: bearer.value };

  log(`\n== 2. queries`);
  const q1 = `SELECT * FROM devices WHERE tags.location.plant = 'Redmond43'`;
  const q2 = `${q1} AND properties.reported.connectivityMonitoring.networkBearer = ${JSON.stringify(bearer.value)}`;
  const r1 = await api.call('post', '/api/query', { body: { query: q1 } });
  const r2 = await api.call('post', '/api/query', { body: { query: q2 } });
  const wrongBearer = typeof bearer.value === 'number' ? bearer.value + 1000 : 'none';
  const r3 = await api.call('post', '/api/query', { body: { query: `${q1} AND properties.reported.connectivityMonitoring.networkBearer = ${JSON.stringify(wrongBearer)}` } });
  log(`${q1}\n  -> ${r1.items.map((t: any) => t.deviceId).join(', ') || '(none)'}`);
  log(`${q2}\n  -> ${r2.items.map((t: any) => t.deviceId).join(', ') || '(none)'}`);
  log(`... AND networkBearer = ${JSON.stringify(wrongBearer)}\n  -> ${r3.items.map((t: any) => t.deviceId).join(', ') || '(none)'}`);
  const queriesOk = r1.items.some((t: any) => t.deviceId === ep) && r2.items.some((t: any) => t.deviceId === ep) && r3.items.length === 0 && (!other || !r1.items.some((t: any) => t.deviceId === other));
  steps.queries = { byTag: r1.items.length, byTagAndBearer: r2.items.length, ok: queriesOk };

  log(`\n== 3. every reported property of ${ep} (shallow read from the twin)`);
  const twin = await api.call('get', '/api/devices/{ep}/twin', { path: { ep } });
  const rows = flattenReported(twin.properties.reported).filter((r) => !r.property.startsWith('lwm2m.'));
  log(table(rows.map((r) => ({ property: r.property, value: r.value, updated: age(r.lastUpdated), source: r.source }))));
  steps.properties = rows.length;

  log(`\n== 4. deep read of device.batteryLevel, three times`);
  const reads: Array<{ value: unknown; lastUpdated: string }> = [];
  for (let i = 0; i < 3; i++) {
    const { jobId } = await api.call('post', '/api/jobs', { body: { type: 'deepRead', deviceId: ep, property: 'device.batteryLevel' } });
    const job = await followJob(api, jobId, { quiet: true, timeoutSec: 60 });
    const shallow = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'device.batteryLevel' } });
    reads.push({ value: shallow.value, lastUpdated: shallow.lastUpdated });
    log(`  read ${i + 1}: job ${job.status}, device says ${JSON.stringify(job.results?.[0]?.value ?? shallow.value)}; twin now ${shallow.value} at ${shallow.lastUpdated} (source ${shallow.source})`);
    if (job.status !== 'completed') throw new Error(`deep read job ${jobId} ended ${job.status}: ${JSON.stringify(job.results?.[0]?.error ?? job)}`);
    await new Promise((r) => setTimeout(r, 1200));
  }
  const timestampsRise = reads.every((r, i) => i === 0 || Date.parse(r.lastUpdated) > Date.parse(reads[i - 1].lastUpdated));
  steps.deepReads = { values: reads.map((r) => r.value), timestampsRise };

  log(`\n== 5. deep write of device.timezone`);
  const before = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'device.timezone' } }).catch(() => ({ value: undefined }));
  const target = before.value === 'Europe/Berlin' ? 'America/Chicago' : 'Europe/Berlin';
  const { jobId } = await api.call('post', '/api/jobs', { body: { type: 'deepWrite', deviceId: ep, property: 'device.timezone', value: target } });
  const wjob = await followJob(api, jobId, { quiet: true, timeoutSec: 60 });
  if (wjob.status !== 'completed') throw new Error(`deep write job ${jobId} ended ${wjob.status}: ${JSON.stringify(wjob.results?.[0]?.error ?? wjob)}`);
  const rightAfter = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'device.timezone' } }).catch(() => ({ value: undefined }));
  log(`  write job ${wjob.status}; the twin says ${JSON.stringify(rightAfter.value)} (the write itself does not change the twin; the device's next notification does)`);
  let followed: any;
  const deadline = Date.now() + opts.notifyWaitSec * 1000;
  while (Date.now() < deadline) {
    const cur = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'device.timezone' } }).catch(() => undefined);
    if (cur?.value === target) {
      followed = cur;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (followed) log(`  after the device's notification the twin says ${JSON.stringify(followed.value)} (source ${followed.source}, ${age(followed.lastUpdated)})`);
  else log(`  no notification within ${opts.notifyWaitSec} s (pmin may be long); the deep read below refreshes the twin`);
  const { jobId: readId } = await api.call('post', '/api/jobs', { body: { type: 'deepRead', deviceId: ep, property: 'device.timezone' } });
  const rjob = await followJob(api, readId, { quiet: true, timeoutSec: 60 });
  const afterRead = await api.call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: 'device.timezone' } });
  log(`  deep read: device says ${JSON.stringify(rjob.results?.[0]?.value ?? afterRead.value)}; twin ${JSON.stringify(afterRead.value)} (source ${afterRead.source})`);
  steps.deepWrite = { target, twinRightAfterWrite: rightAfter.value, followedByNotify: followed?.source === 'notify', readBack: afterRead.value };

  // The write itself never touches the twin: right after it the twin holds the old value, unless the device's
  // notification already arrived (then its source is `notify`).
  const writeLeftTwinAlone = rightAfter.value !== target || (rightAfter as { source?: string }).source === 'notify';
  const ok = bootstrapOk && queriesOk && timestampsRise && writeLeftTwinAlone && afterRead.value === target;
  if (opts.json) process.stdout.write(JSON.stringify({ ok, device: ep, steps }, null, 2) + '\n');
  else log(`\ndemo ${ok ? 'passed' : 'FAILED'}`);
  return ok;
}

/**
 * Step 0: the device's latest bootstrap session and the twin's `lwm2m.bootstrappedAt`. A device that registered
 * directly (not through the bootstrap server) is reported, not failed; a bootstrapped device must show both.
 */
async function showBootstrap(api: ApiClient, ep: string, log: (s?: string) => void, steps: Record<string, unknown>): Promise<boolean> {
  const enc = encodeURIComponent;
  const config = await api.get('/api/bootstrap').catch(() => undefined);
  if (config) log(`default bootstrap configuration: devices are sent to ${config.server.uri} (security ${config.security.mode})`);
  const sessions = await api.get(`/api/bootstrap/${enc(ep)}/sessions`).catch(() => ({ items: [] }));
  const last = sessions.items[0];
  if (!last) {
    log(`${ep} registered without the bootstrap server (devices of \`lwtwin simulate --bootstrap coap://127.0.0.1:5783\` go through it)`);
    steps.bootstrap = { bootstrapped: false };
    return true;
  }
  const at = await api.get(`/api/devices/${enc(ep)}/properties/${enc('lwm2m.bootstrappedAt')}`).catch(() => undefined);
  log(`${ep}: bootstrap session ${last.outcome} at ${last.endedAt} (LwM2M ${last.lwm2mVersion}, content format ${last.contentFormat})`);
  log(`  ${last.steps.map((x: any) => `${x.operation} ${x.path} ${x.code ?? '-'}`).join(' -> ')}`);
  log(`  twin lwm2m.bootstrappedAt = ${at?.value ?? '(missing)'}`);
  steps.bootstrap = { bootstrapped: true, outcome: last.outcome, bootstrappedAt: at?.value };
  return last.outcome !== 'finished' || at?.value !== undefined;
}
