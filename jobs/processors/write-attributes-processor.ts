import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { JobPayload } from '../job-spec.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/** Write-Attributes (OMA TS Core 1.1 §6.4 Information Reporting): changes pmin / pmax / gt / lt / st of one property on the device. */
export const writeAttributesProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'writeAttributes' }>> = async (ctx, payload) => {
  await ctx.gateway.writeAttributes(ctx.deviceId, LwM2mPath.parse(payload.path), payload.attributes, await ctx.operationOptions());
  return undefined;
};
