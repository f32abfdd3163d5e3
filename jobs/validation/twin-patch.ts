import type { TwinPatchSpec } from '../device-gateway.ts';
import { JobError } from '../job-error.ts';

/** Azure IoT Hub device twins doc, "Tags and properties format": twin documents nest at most 10 levels. */
const MAX_DEPTH = 10;
// Azure IoT Hub device twins doc, "Tags and properties format": keys exclude C0/C1 controls, '.', '$' and space.
// eslint-disable-next-line no-control-regex
const BAD_KEY = /[\u0000-\u001f\u007f-\u009f.$ ]/;

/**
 * Checks a twin update job's patch (Azure IoT Hub device twins doc, "Back-end operations": update twin): an object with `tags` and/or `properties.desired`,
 * each a non-empty object whose keys are valid twin keys and whose depth is at most 10. `null` values delete keys.
 * The twin store applies its own limits (sizes) when the job runs. Throws `INVALID_JOB`.
 */
export function checkTwinPatch(input: unknown): TwinPatchSpec {
  if (!isPlainObject(input)) throw new JobError('INVALID_JOB', '"patch" must be an object { "tags"?: {...}, "properties"?: { "desired": {...} } }');
  for (const key of Object.keys(input)) {
    if (key !== 'tags' && key !== 'properties') throw new JobError('INVALID_JOB', `"patch" may hold "tags" and "properties" only, not "${key}"`);
  }
  const patch: TwinPatchSpec = {};
  if (input.tags !== undefined) {
    checkSection(input.tags, 'tags');
    patch.tags = input.tags as Record<string, unknown>;
  }
  if (input.properties !== undefined) {
    const props = input.properties;
    if (!isPlainObject(props) || Object.keys(props).some((k) => k !== 'desired')) {
      throw new JobError('INVALID_JOB', '"patch.properties" may hold "desired" only: reported properties are written by devices (Azure IoT Hub device twins doc)');
    }
    if (props.desired !== undefined) {
      checkSection(props.desired, 'properties.desired');
      patch.properties = { desired: props.desired as Record<string, unknown> };
    }
  }
  if (patch.tags === undefined && patch.properties === undefined) throw new JobError('INVALID_JOB', '"patch" changes nothing: give "tags" and/or "properties.desired"');
  return patch;
}

function checkSection(value: unknown, where: string): void {
  if (!isPlainObject(value) || Object.keys(value).length === 0) throw new JobError('INVALID_JOB', `"patch.${where}" must be a non-empty object`);
  checkKeys(value, where, 1);
}

function checkKeys(value: Record<string, unknown>, where: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new JobError('INVALID_JOB', `"patch.${where}" nests deeper than ${MAX_DEPTH} levels`);
  for (const [key, child] of Object.entries(value)) {
    if (key === '' || BAD_KEY.test(key)) throw new JobError('INVALID_JOB', `"patch.${where}": key "${key}" is not allowed (no '.', '$', space or control characters)`);
    if (isPlainObject(child)) checkKeys(child, `${where}.${key}`, depth + 1);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
