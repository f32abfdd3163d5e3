import type { JobPayload } from '../job-spec.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/** Twin update (Azure IoT Hub jobs doc, `scheduleUpdateTwin`): applies the tags / desired patch to one device's twin. */
export const twinUpdateProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'twinUpdate' }>> = async (ctx, payload) => {
  await ctx.twin.patch(ctx.deviceId, payload.patch);
  return undefined;
};
