import type { NamedModelLookup, PropertyNames } from '../../objects/property-names.ts';
import { JobError } from '../job-error.ts';
import { isJobType, JOB_TYPES, type JobPayload, type JobType } from '../job-spec.ts';
import { resolveDeviceProperty } from './device-property.ts';
import type { PackageSources } from '../runtime/package-source.ts';
import { checkFirmwarePackage } from './firmware-package.ts';
import { checkNotificationAttributes } from './notification-attributes.ts';
import { toWriteValue } from './resource-value.ts';
import { checkTwinPatch } from './twin-patch.ts';

/** A client-chosen job id: no `~` (used in BullMQ ids) and no `:` (forbidden by BullMQ). */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** A start time this close to now counts as now (clock skew between the caller and this server). */
export const START_TIME_SKEW_MS = 1000;
/** maxExecutionTimeSec and startTime bounds. */
export const MAX_EXECUTION_TIME_SEC = 7 * 24 * 3600;
const MAX_START_AHEAD_MS = 366 * 24 * 3600 * 1000;
const MAX_ATTEMPTS = 20;
const MAX_EXECUTE_ARGS = 1024;

const TARGET_KEYS = ['deviceId', 'deviceIds', 'query'];
const OPTION_KEYS = ['type', 'jobId', 'startTime', 'maxExecutionTimeSec', 'attempts'];
const TYPE_KEYS: Readonly<Record<JobType, readonly string[]>> = {
  deepRead: ['property'],
  deepWrite: ['property', 'value'],
  execute: ['property', 'args'],
  firmwareUpdate: ['packageUri', 'packageSource'],
  twinUpdate: ['patch'],
  observe: ['property', 'cancel'],
  writeAttributes: ['property', 'attributes'],
};

export interface CheckedJobSpec {
  jobId?: string;
  type: JobType;
  payload: JobPayload;
  /** ms since the epoch; absent = now. */
  startTime?: number;
  maxExecutionTimeSec?: number;
  attempts?: number;
  /** The target fields, checked later against the twins (see job-target.ts). */
  target: { deviceId?: unknown; deviceIds?: unknown; query?: unknown };
}

export interface SpecCheckDeps {
  names: PropertyNames;
  models: NamedModelLookup;
  /** Where firmware packages may come from. */
  packageSources: PackageSources;
}

/**
 * Checks everything of a submitted job spec that does not need the twins: known type and fields, job id, start time
 * (not in the past: `START_TIME_IN_PAST`), limits, and the type's instructions (property, value, attributes,
 * package, patch). Throws JobError; returns the payload to store with the job.
 */
export async function checkJobSpec(spec: unknown, deps: SpecCheckDeps, now = Date.now()): Promise<CheckedJobSpec> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new JobError('INVALID_JOB', 'a job spec must be an object with a "type"');
  const s = spec as Record<string, unknown>;
  if (!isJobType(s.type)) throw new JobError('INVALID_JOB', `unknown job type ${JSON.stringify(s.type)} (known: ${JOB_TYPES.join(', ')})`);
  const type = s.type;
  const allowed = new Set([...TARGET_KEYS, ...OPTION_KEYS, ...TYPE_KEYS[type]]);
  const extra = Object.keys(s).filter((k) => !allowed.has(k) && s[k] !== undefined);
  if (extra.length > 0) throw new JobError('INVALID_JOB', `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} for a ${type} job`);

  const checked: CheckedJobSpec = { type, payload: await checkPayload(type, s, deps), target: { deviceId: s.deviceId, deviceIds: s.deviceIds, query: s.query } };
  if (s.jobId !== undefined) {
    if (typeof s.jobId !== 'string' || !JOB_ID.test(s.jobId)) throw new JobError('INVALID_JOB', '"jobId" must be 1–128 letters, digits, "_", "." or "-", starting with a letter or digit');
    checked.jobId = s.jobId;
  }
  if (s.startTime !== undefined) {
    const text = s.startTime;
    const at = typeof text === 'string' && ISO_8601.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(at)) throw new JobError('INVALID_JOB', `"startTime" must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z, got ${JSON.stringify(text)}`);
    if (at < now - START_TIME_SKEW_MS) throw new JobError('START_TIME_IN_PAST', `"startTime" ${text} is in the past (now is ${new Date(now).toISOString()})`);
    if (at > now + MAX_START_AHEAD_MS) throw new JobError('INVALID_JOB', `"startTime" ${text} is more than a year ahead`);
    checked.startTime = Math.max(at, now);
  }
  if (s.maxExecutionTimeSec !== undefined) {
    const v = s.maxExecutionTimeSec;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_EXECUTION_TIME_SEC) throw new JobError('INVALID_JOB', `"maxExecutionTimeSec" must be a whole number of seconds in 1..${MAX_EXECUTION_TIME_SEC}`);
    checked.maxExecutionTimeSec = v;
  }
  if (s.attempts !== undefined) {
    const v = s.attempts;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ATTEMPTS) throw new JobError('INVALID_JOB', `"attempts" must be a whole number in 1..${MAX_ATTEMPTS}`);
    checked.attempts = v;
  }
  return checked;
}

async function checkPayload(type: JobType, s: Record<string, unknown>, deps: SpecCheckDeps): Promise<JobPayload> {
  const { names, models } = deps;
  switch (type) {
    case 'deepRead': {
      const p = resolveDeviceProperty(names, models, s.property, 'read');
      return { type, path: p.path.toString(), propertyName: p.propertyName };
    }
    case 'deepWrite': {
      const p = resolveDeviceProperty(names, models, s.property, 'write');
      const resource = p.resource;
      if (!resource) throw new JobError('UNKNOWN_PROPERTY', `${p.propertyName} has no resource model`);
      if (s.value === undefined) throw new JobError('INVALID_JOB', 'a deepWrite job needs a "value"');
      toWriteValue(resource, p.path.isResource(), s.value, p.propertyName);
      return { type, path: p.path.toString(), propertyName: p.propertyName, value: s.value, resourceType: resource.type, multiple: resource.multiple };
    }
    case 'execute': {
      const p = resolveDeviceProperty(names, models, s.property, 'execute');
      const args = s.args;
      if (args !== undefined && (typeof args !== 'string' || args.length > MAX_EXECUTE_ARGS || !/^[\x20-\x7e]*$/.test(args))) {
        throw new JobError('INVALID_JOB', `"args" must be printable ASCII text of at most ${MAX_EXECUTE_ARGS} characters, such as 0,1='coap://x'`);
      }
      return args === undefined || args === '' ? { type, path: p.path.toString(), propertyName: p.propertyName } : { type, path: p.path.toString(), propertyName: p.propertyName, args };
    }
    case 'firmwareUpdate':
      return checkFirmwarePackage(s, deps.packageSources);
    case 'twinUpdate':
      return { type, patch: checkTwinPatch(s.patch) };
    case 'observe': {
      const p = resolveDeviceProperty(names, models, s.property, 'observe');
      if (s.cancel !== undefined && typeof s.cancel !== 'boolean') throw new JobError('INVALID_JOB', '"cancel" must be true or false');
      return { type, path: p.path.toString(), propertyName: p.propertyName, cancel: s.cancel === true };
    }
    case 'writeAttributes': {
      const p = resolveDeviceProperty(names, models, s.property, 'attributes');
      return { type, path: p.path.toString(), propertyName: p.propertyName, attributes: checkNotificationAttributes(s.attributes, p) };
    }
  }
}
