import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { JobPayload } from '../job-spec.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/** Starts or cancels the observation of one property on the device (OMA TS Core 1.1 §6.4 Information Reporting). */
export const observeProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'observe' }>> = async (ctx, payload) => {
  const path = LwM2mPath.parse(payload.path);
  if (payload.cancel) await ctx.gateway.cancelObservation(ctx.deviceId, path);
  else await ctx.gateway.observe(ctx.deviceId, path, await ctx.operationOptions());
  return undefined;
};
