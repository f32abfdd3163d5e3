import type { JobPayload, JobType } from '../job-spec.ts';
import { deepReadProcessor } from './deep-read-processor.ts';
import { deepWriteProcessor } from './deep-write-processor.ts';
import type { DeviceJobContext, DeviceJobProcessor } from './device-job-context.ts';
import { executeProcessor } from './execute-processor.ts';
import { firmwareUpdateProcessor } from './firmware-update-processor.ts';
import { observeProcessor } from './observe-processor.ts';
import { twinUpdateProcessor } from './twin-update-processor.ts';
import { writeAttributesProcessor } from './write-attributes-processor.ts';

const PROCESSORS: { [T in JobType]: DeviceJobProcessor<Extract<JobPayload, { type: T }>> } = {
  deepRead: deepReadProcessor,
  deepWrite: deepWriteProcessor,
  execute: executeProcessor,
  firmwareUpdate: firmwareUpdateProcessor,
  twinUpdate: twinUpdateProcessor,
  observe: observeProcessor,
  writeAttributes: writeAttributesProcessor,
};

/** Runs the processor of the payload's job type. */
export function runProcessor(ctx: DeviceJobContext, payload: JobPayload): Promise<unknown> {
  const processor = PROCESSORS[payload.type] as DeviceJobProcessor;
  return processor(ctx, payload);
}
