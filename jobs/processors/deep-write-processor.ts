import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { JobPayload } from '../job-spec.ts';
import { toWriteValue } from '../validation/resource-value.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/**
 * Deep write (docs/twin-model.md#shallow-and-deep-reads): writes one writable resource (checked when the job was submitted). The twin is not
 * changed: `reported` follows when the device notifies or is read (docs/twin-model.md).
 */
export const deepWriteProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'deepWrite' }>> = async (ctx, payload) => {
  const path = LwM2mPath.parse(payload.path);
  const resource = { id: path.resourceId ?? 0, type: payload.resourceType, multiple: payload.multiple };
  const value = toWriteValue(resource, path.isResource(), payload.value, payload.propertyName);
  await ctx.gateway.write(ctx.deviceId, path, value, await ctx.operationOptions());
  return undefined;
};
