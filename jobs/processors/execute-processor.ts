import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { JobPayload } from '../job-spec.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/** Execute (OMA TS Core 1.1 §6.3 Device Management) of an executable resource: reboot /3/0/4, factory reset /3/0/5, or any E resource with args. */
export const executeProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'execute' }>> = async (ctx, payload) => {
  await ctx.gateway.execute(ctx.deviceId, LwM2mPath.parse(payload.path), payload.args, await ctx.operationOptions());
  return undefined;
};
