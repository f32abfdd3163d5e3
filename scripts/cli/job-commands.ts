/** `lwtwin job ...`: submit jobs, follow them with a progress bar, print the result table. */
import type { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { RequestBodyOf } from '../../api/lwtwin-api.ts';
import { pairsToObject, parseCliValue, type ApiClient } from './api-client.ts';
import { apiClient, print, type GlobalOptions } from './client-commands.ts';
import { table } from './format.ts';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Polls a job until it ends, showing a progress bar for fleet jobs; returns the final job view. */
export async function followJob(api: ApiClient, jobId: string, opts: { quiet?: boolean; timeoutSec?: number } = {}): Promise<any> {
  const deadline = Date.now() + (opts.timeoutSec ?? 3600) * 1000;
  let bar: SingleBar | undefined;
  try {
    while (true) {
      const job = await api.call('get', '/api/jobs/{id}', { path: { id: jobId } });
      const c = job.counts ?? {};
      if (!opts.quiet && !bar && (c.devices ?? 0) > 1) {
        const { Presets, SingleBar } = await import('cli-progress'); // only fleet jobs show a bar: keep start-up light
        bar = new SingleBar({ format: `${job.type} |{bar}| {value}/{total} devices  ok {ok}  failed {failed}  {status}`, hideCursor: true }, Presets.shades_classic);
        bar.start(c.devices, 0, { ok: 0, failed: 0, status: job.status });
      }
      bar?.update((c.succeeded ?? 0) + (c.failed ?? 0), { ok: c.succeeded ?? 0, failed: c.failed ?? 0, status: job.status });
      if (TERMINAL.has(job.status)) return job;
      if (Date.now() > deadline) return job;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    bar?.stop();
  }
}

function jobTable(job: any): string {
  const head = `job ${job.jobId} (${job.type}): ${job.status}` + (job.counts ? `  devices ${job.counts.devices}, succeeded ${job.counts.succeeded}, failed ${job.counts.failed}` : '');
  const rows = (job.results ?? []).map((r: any) => ({
    deviceId: r.deviceId,
    status: r.status,
    value: r.value === undefined ? '' : typeof r.value === 'object' ? JSON.stringify(r.value) : r.value,
    error: r.error ? `${r.error.coapCode ? r.error.coapCode + ' ' : ''}${r.error.message}` : '',
  }));
  return rows.length ? `${head}\n${table(rows)}` : head;
}

function target(ep: string | undefined, o: { query?: string; devices?: string }): Record<string, unknown> {
  if (o.query) return { query: o.query };
  if (o.devices) return { deviceIds: o.devices.split(',').map((s) => s.trim()).filter(Boolean) };
  if (!ep) throw new Error('give a device endpoint, --devices a,b,c or --query "<WHERE condition>"');
  return { deviceId: ep };
}

export function registerJobCommands(program: Command, globals: () => GlobalOptions): void {
  const job = program.command('job').description('run jobs on devices: read, write, exec, fw, patch, status, list, cancel');

  const submitAndFollow = async (spec: Record<string, unknown>, o: { wait?: boolean; start?: string; maxTime?: string }) => {
    const g = globals();
    const api = apiClient(g);
    if (o.start) spec.startTime = o.start;
    if (o.maxTime) spec.maxExecutionTimeSec = Number(o.maxTime);
    const { jobId } = await api.call('post', '/api/jobs', { body: spec as RequestBodyOf<'/api/jobs', 'post'> });
    if (o.wait === false) return print(g, { jobId }, () => `submitted job ${jobId}`);
    const final = await followJob(api, jobId, { quiet: g.json });
    print(g, final, () => jobTable(final));
    if (final.status === 'failed') process.exitCode = 1;
  };
  const common = (c: Command) =>
    c
      .option('--query <where>', 'fleet: devices matching a WHERE condition of the twin query language')
      .option('--devices <list>', 'fleet: comma-separated endpoint names')
      .option('--start <iso>', 'schedule: start time (ISO 8601)')
      .option('--max-time <sec>', 'max execution time, s')
      .option('--no-wait', 'print the job id and return');

  common(job.command('read [endpoint] [property]').description('deep read: read a property from the device, refresh only it in the twin')).action(async (ep, prop, o) => {
    const property = prop ?? (o.query || o.devices ? ep : undefined);
    await submitAndFollow({ type: 'deepRead', ...target(o.query || o.devices ? undefined : ep, o), property }, o);
  });
  common(job.command('write [endpoint] <property> <value>').description('deep write: write a property on the device (the twin follows at the next notification)')).action(async (ep, prop, value, o) => {
    await submitAndFollow({ type: 'deepWrite', ...target(ep, o), property: prop, value: parseCliValue(value) }, o);
  });
  common(job.command('exec [endpoint] <what> [args]').description('execute: reboot, factory-reset, or a resource path such as /3/0/4')).action(async (ep, what, args, o) => {
    const property = what === 'reboot' ? '/3/0/4' : what === 'factory-reset' ? '/3/0/5' : what;
    await submitAndFollow({ type: 'execute', ...target(ep, o), property, ...(args ? { args } : {}) }, o);
  });
  common(job.command('fw [endpoint]').description('firmware update through object 5 (pull with --uri, push with --file)'))
    .option('--uri <uri>', 'package URI the device downloads (pull)')
    .option('--file <path>', "package pushed block-wise (push): a file in the server's --firmware-dir, or an http(s) URL on an origin in --firmware-url-allow")
    .action(async (ep, o) => {
      if (!o.uri && !o.file) throw new Error('give --uri <package URI> or --file <package file>');
      await submitAndFollow({ type: 'firmwareUpdate', ...target(ep, o), ...(o.uri ? { packageUri: o.uri } : { packageSource: o.file }) }, o);
    });
  common(job.command('patch [endpoint] <pairs...>').description('twin update: tags.x=y or desired.x=y on one device or a fleet')).action(async (ep, pairs: string[], o) => {
    const tags: string[] = [];
    const desired: string[] = [];
    for (const p of pairs) {
      if (p.startsWith('tags.')) tags.push(p.slice(5));
      else if (p.startsWith('desired.')) desired.push(p.slice(8));
      else throw new Error(`expected tags.<key>=<value> or desired.<key>=<value>, got ${JSON.stringify(p)}`);
    }
    const patch = { ...(tags.length ? { tags: pairsToObject(tags) } : {}), ...(desired.length ? { properties: { desired: pairsToObject(desired) } } : {}) };
    await submitAndFollow({ type: 'twinUpdate', ...target(ep, o), patch }, o);
  });
  job.command('status <jobId>').description('status, counts, progress and results of a job').action(async (id) => {
    const g = globals();
    const j = await apiClient(g).call('get', '/api/jobs/{id}', { path: { id } });
    print(g, j, () => jobTable(j));
  });
  job
    .command('list')
    .description('list jobs')
    .option('--status <status>', 'queued, scheduled, running, completed, failed or cancelled')
    .option('--type <type>', 'job type')
    .action(async (o) => {
      const g = globals();
      const res = await apiClient(g).call('get', '/api/jobs', { query: { ...(o.status ? { status: o.status } : {}), ...(o.type ? { type: o.type } : {}) } });
      print(g, res, () => table(res.items.map((j) => ({ jobId: j.jobId, type: j.type, status: j.status, devices: j.counts?.devices, succeeded: j.counts?.succeeded, failed: j.counts?.failed, createdAt: j.createdAt }))));
    });
  job.command('cancel <jobId>').description('cancel a job').action(async (id) => {
    const g = globals();
    const res = await apiClient(g).call('delete', '/api/jobs/{id}', { path: { id } });
    print(g, res, () => `job ${id}: ${res.status ?? 'cancelled'}`);
  });
}
