import { setTimeout as sleep } from 'node:timers/promises';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { FIRMWARE_STATE, UPDATE_RESULT_SUCCESS, updateResultMeaning } from '../firmware-update-result.ts';
import { JobError } from '../job-error.ts';
import type { JobPayload } from '../job-spec.ts';
import type { DeviceJobContext, DeviceJobProcessor } from './device-job-context.ts';

// OMA registry object 5 Firmware Update (objects/ddf/5.xml, v1.2)
const PACKAGE = new LwM2mPath(5, 0, 0);
const PACKAGE_URI = new LwM2mPath(5, 0, 1);
const UPDATE = new LwM2mPath(5, 0, 2);
const STATE = new LwM2mPath(5, 0, 3);
const UPDATE_RESULT = new LwM2mPath(5, 0, 5);
/** Upper bound of one poll read; polls of a sleeping device fail at once (waitForWakeUpMs 0). */
const POLL_READ_TIMEOUT_MS = 30_000;
/** States in which a pull already under way is resumed rather than started again. */
const BUSY: readonly number[] = [FIRMWARE_STATE.downloading, FIRMWARE_STATE.downloaded, FIRMWARE_STATE.updating];

/**
 * Firmware update (the state machine of OMA registry object 5 Firmware Update, v1.2), reported as progress downloading → downloaded → updating → done:
 * 1. observe State /5/0/3 and Update Result /5/0/5;
 * 2. pull: write Package URI /5/0/1; push: write the package bytes to Package /5/0/0 (block-wise in the CoAP layer);
 *    the result then names the package sent (`package: {name, size, sha256}`);
 * 3. wait for State 2 Downloaded (a download failure shows as Update Result 2–9 and fails the job);
 * 4. execute Update /5/0/2;
 * 5. wait for Update Result ≠ 0 (or State 0 Idle, then read the result): 1 is success, anything else fails with
 *    `FIRMWARE_UPDATE_FAILED` and the code's meaning (0 initial … 11 deferred).
 * Waiting uses notifications (`waitForValue`) and, as notifications may be throttled by pmin, a read every
 * `pollIntervalMs`. A retry starts over from step 1 (writing the package again restarts the download), except that a
 * pull the device is already busy with (its Package URI is this job's) resumes from the device's state.
 */
export const firmwareUpdateProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'firmwareUpdate' }>> = async (ctx, payload) => {
  const ep = ctx.deviceId;
  const pushed = payload.method === 'push' ? await ctx.packages.load(payload.packageSource, ctx.signal) : undefined;
  const bytes = pushed?.bytes;
  await ctx.reportStage('downloading', 10);
  const opts = await ctx.operationOptions();
  await ctx.gateway.observe(ep, STATE, opts);
  await ctx.gateway.observe(ep, UPDATE_RESULT, opts);

  // A pull this job already started (an attempt on a node that died, a retry) is resumed where the device is.
  const resume = payload.method === 'pull' ? await resumePoint(ctx, payload.packageUri) : FIRMWARE_STATE.idle;
  if (resume !== FIRMWARE_STATE.updating) {
    await withWaits(ctx, async (wait) => {
      const downloaded = wait(STATE, (v) => v === FIRMWARE_STATE.downloaded);
      const failed = wait(UPDATE_RESULT, (v) => v > UPDATE_RESULT_SUCCESS);
      if (resume === FIRMWARE_STATE.downloaded) return;
      if (bytes) await ctx.gateway.write(ep, PACKAGE, bytes, await ctx.operationOptions());
      else if (payload.method === 'pull' && resume === FIRMWARE_STATE.idle) await ctx.gateway.write(ep, PACKAGE_URI, payload.packageUri, await ctx.operationOptions());
      const outcome = await Promise.race([downloaded.then(() => undefined), failed]);
      if (outcome !== undefined) throw updateFailed(ep, outcome, 'downloading');
    });
    await ctx.reportStage('downloaded', 50);
  }

  const result = await withWaits(ctx, async (wait) => {
    const reported = wait(UPDATE_RESULT, (v) => v !== 0);
    const idle = wait(STATE, (v) => v === FIRMWARE_STATE.idle);
    if (resume !== FIRMWARE_STATE.updating) await ctx.gateway.execute(ep, UPDATE, undefined, await ctx.operationOptions());
    await ctx.reportStage('updating', 75);
    const first = await Promise.race([reported.then((code) => ({ code })), idle.then(() => ({ code: undefined }))]);
    if (first.code !== undefined) return first.code;
    const read = await readNumber(ctx, UPDATE_RESULT);
    return read !== 0 ? read : reported;
  });
  if (result !== UPDATE_RESULT_SUCCESS) throw updateFailed(ep, result, 'updating');
  await ctx.reportStage('done', 100);
  const sent = pushed ? { package: { name: pushed.name, size: pushed.size, sha256: pushed.sha256 } } : {};
  return { updateResult: result, meaning: updateResultMeaning(result), ...sent };
};

type Wait = (path: LwM2mPath, predicate: (v: number) => boolean) => Promise<number>;

/**
 * Where a pull of `packageUri` stands on the device: Idle (start: write the URI), or Downloading, Downloaded or
 * Updating when the device's Package URI is already this one — an earlier attempt of this job wrote it and then
 * stopped (its node was killed, a request timed out): writing the URI again would be refused outside Idle (Firmware
 * Update object state machine, OMA TS Core 1.1 Appendix E.6), so the job goes on from that state instead. Another
 * URI in a busy state is left to the write, which the device refuses with a clear 4.xx.
 */
async function resumePoint(ctx: DeviceJobContext, packageUri: string): Promise<number> {
  const state = await readNumber(ctx, STATE);
  if (state === FIRMWARE_STATE.idle) return state;
  const leaves = await ctx.gateway.read(ctx.deviceId, PACKAGE_URI, await ctx.operationOptions());
  const uri = leaves.find((l) => l.path.equals(PACKAGE_URI))?.value;
  return uri === packageUri && BUSY.includes(state) ? state : FIRMWARE_STATE.idle;
}

/** Runs `body` with a `wait` function whose pending waits all stop when `body` settles. */
async function withWaits<T>(ctx: DeviceJobContext, body: (wait: Wait) => Promise<T>): Promise<T> {
  const phase = new AbortController();
  const wait: Wait = (path, predicate) => {
    const p = waitForNumber(ctx, path, predicate, AbortSignal.any([ctx.signal, phase.signal]));
    p.catch(() => undefined); // a wait that loses a race rejects when the phase ends
    return p;
  };
  try {
    return await body(wait);
  } finally {
    phase.abort();
  }
}

/** The first value of `path` satisfying `predicate`, from a notification or from a poll read. */
async function waitForNumber(ctx: DeviceJobContext, path: LwM2mPath, predicate: (v: number) => boolean, signal: AbortSignal): Promise<number> {
  const local = new AbortController();
  const both = AbortSignal.any([signal, local.signal]);
  const test = (v: unknown): boolean => predicate(toNumber(v));
  const notified = ctx.gateway.waitForValue(ctx.deviceId, path, test, ctx.remainingMs(), both);
  const polled = poll(ctx, path, test, both);
  notified.catch(() => undefined);
  polled.catch(() => undefined);
  try {
    return toNumber(await Promise.race([notified, polled]));
  } finally {
    local.abort();
  }
}

async function poll(ctx: DeviceJobContext, path: LwM2mPath, test: (v: unknown) => boolean, signal: AbortSignal): Promise<unknown> {
  while (true) {
    await sleep(ctx.pollIntervalMs, undefined, { signal });
    try {
      const leaves = await ctx.gateway.read(ctx.deviceId, path, { waitForWakeUpMs: 0, timeoutMs: Math.min(ctx.remainingMs(), POLL_READ_TIMEOUT_MS) });
      const leaf = leaves.find((l) => l.path.equals(path));
      if (leaf && test(leaf.value)) return leaf.value;
    } catch {
      if (signal.aborted) throw signal.reason;
      // a failed poll is not fatal: the notification or the next poll may succeed
    }
  }
}

async function readNumber(ctx: DeviceJobContext, path: LwM2mPath): Promise<number> {
  const leaves = await ctx.gateway.read(ctx.deviceId, path, await ctx.operationOptions());
  const leaf = leaves.find((l) => l.path.equals(path));
  return leaf === undefined ? 0 : toNumber(leaf.value);
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(v);
}

function updateFailed(ep: string, code: number, stage: string): JobError {
  return new JobError('FIRMWARE_UPDATE_FAILED', `device ${ep} reported Update Result ${code} (${updateResultMeaning(code)}) while ${stage}`, {
    details: { updateResult: code, meaning: updateResultMeaning(code), stage },
  });
}
