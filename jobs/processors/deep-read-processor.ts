import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { PropertyNames } from '../../objects/property-names.ts';
import type { JobPayload } from '../job-spec.ts';
import { lwm2mValueToJson } from '../lwm2m-value-json.ts';
import type { DeviceJobProcessor } from './device-job-context.ts';

/**
 * Deep read (docs/twin-model.md#shallow-and-deep-reads): reads one property on the device and refreshes only that property's reported leaves in the
 * twin, with source `read` (docs/twin-model.md). The result is the value of a single resource (instance), or an object of
 * property name -> value for anything wider.
 */
export const deepReadProcessor: DeviceJobProcessor<Extract<JobPayload, { type: 'deepRead' }>> = async (ctx, payload) => {
  const path = LwM2mPath.parse(payload.path);
  const leaves = await ctx.gateway.read(ctx.deviceId, path, await ctx.operationOptions());
  await ctx.twin.applyRead(ctx.deviceId, leaves, Date.now());
  return readResult(path, leaves, ctx.names);
};

function readResult(path: LwM2mPath, leaves: readonly LwM2mLeaf[], names: PropertyNames): unknown {
  if (leaves.length === 1 && leaves[0].path.equals(path) && (path.isResource() || path.isResourceInstance())) return lwm2mValueToJson(leaves[0].value);
  const values: Record<string, unknown> = {};
  for (const leaf of leaves) values[names.pathToProperty(leaf.path).join('.')] = lwm2mValueToJson(leaf.value);
  return values;
}
