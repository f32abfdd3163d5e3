import type { TwinGateway } from '../device-gateway.ts';
import { JobError } from '../job-error.ts';
import type { JobTarget } from '../job-spec.ts';

export interface ResolvedTarget {
  target: JobTarget;
  /** Device ids in target order, without duplicates. */
  devices: string[];
  /** True for `deviceIds` and `query` (parent + one child per device), false for `deviceId`. */
  fleet: boolean;
}

const MAX_QUERY_LENGTH = 8192; // Azure IoT Hub query language doc
const EXISTS_BATCH = 200;

/**
 * Resolves a job's target (Azure IoT Hub jobs doc: one device, `deviceIds`, or a `queryCondition`) to device ids, refusing an
 * unknown device (`NOT_FOUND`), a malformed query (`BAD_QUERY`), an empty fleet (`EMPTY_FLEET`) and a fleet larger
 * than `maxDevices` (`INVALID_JOB`).
 */
export async function resolveJobTarget(spec: { deviceId?: unknown; deviceIds?: unknown; query?: unknown }, twin: TwinGateway, maxDevices: number): Promise<ResolvedTarget> {
  const given = (['deviceId', 'deviceIds', 'query'] as const).filter((k) => spec[k] !== undefined);
  if (given.length !== 1) {
    throw new JobError('INVALID_JOB', given.length === 0 ? 'a job needs a target: "deviceId", "deviceIds" or "query"' : `give one target, not ${given.map((k) => `"${k}"`).join(' and ')}`);
  }
  if (spec.deviceId !== undefined) {
    const id = spec.deviceId;
    if (!isDeviceId(id)) throw new JobError('INVALID_JOB', '"deviceId" must be a non-empty string');
    const missing = await missingDevices([id], twin);
    if (missing.length > 0) throw new JobError('NOT_FOUND', `device "${id}" does not exist`, { details: { deviceId: id } });
    return { target: { kind: 'device', deviceId: id }, devices: [id], fleet: false };
  }
  if (spec.deviceIds !== undefined) {
    const ids = spec.deviceIds;
    if (!Array.isArray(ids) || !ids.every(isDeviceId)) throw new JobError('INVALID_JOB', '"deviceIds" must be an array of device ids (non-empty strings)');
    const devices = [...new Set(ids as string[])];
    if (devices.length === 0) throw new JobError('EMPTY_FLEET', '"deviceIds" is empty: the job would run on no device');
    checkSize(devices.length, maxDevices);
    const missing = await missingDevices(devices, twin);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((d) => `"${d}"`).join(', ');
      throw new JobError('NOT_FOUND', `${missing.length} of the devices do not exist: ${shown}${missing.length > 5 ? ', ...' : ''}`, { details: { missing: missing.slice(0, 100) } });
    }
    return { target: { kind: 'devices' }, devices, fleet: true };
  }
  const query = spec.query;
  if (typeof query !== 'string' || query.trim() === '') throw new JobError('INVALID_JOB', '"query" must be a WHERE condition such as tags.plant = \'Redmond43\'');
  if (query.length > MAX_QUERY_LENGTH) throw new JobError('BAD_QUERY', `"query" is ${query.length} characters; the limit is ${MAX_QUERY_LENGTH}`);
  const where = query.trim().replace(/^where\s+/i, '');
  let devices: string[];
  try {
    devices = [...new Set(await twin.resolveQuery(where))];
  } catch (err) {
    if (isBadInput(err)) throw new JobError('BAD_QUERY', `"query" is not a valid WHERE condition: ${(err as Error).message}`, { cause: err });
    throw new JobError('INTERNAL', `resolving the job's query failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (devices.length === 0) throw new JobError('EMPTY_FLEET', `no device matches "${where}"`, { details: { query: where } });
  checkSize(devices.length, maxDevices);
  return { target: { kind: 'query', query: where }, devices, fleet: true };
}

function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= 1024;
}

function checkSize(count: number, maxDevices: number): void {
  if (count > maxDevices) throw new JobError('INVALID_JOB', `the target selects ${count} devices; a job may target at most ${maxDevices}`);
}

async function missingDevices(ids: readonly string[], twin: TwinGateway): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += EXISTS_BATCH) {
    const batch = ids.slice(i, i + EXISTS_BATCH);
    let found: boolean[];
    try {
      found = await Promise.all(batch.map((id) => twin.exists(id)));
    } catch (err) {
      throw new JobError('INTERNAL', `checking that the job's devices exist failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    batch.forEach((id, j) => found[j] || missing.push(id));
  }
  return missing;
}

/** A 400-type error of another layer (QueryError `QUERY_*`, ServerError `BAD_REQUEST`, anything with a 4xx status). */
function isBadInput(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, httpStatus, statusCode } = err as { code?: unknown; httpStatus?: unknown; statusCode?: unknown };
  const status = typeof httpStatus === 'number' ? httpStatus : typeof statusCode === 'number' ? statusCode : undefined;
  if (status !== undefined) return status >= 400 && status < 500;
  return typeof code === 'string' && (code.startsWith('QUERY_') || code === 'BAD_REQUEST' || code === 'BAD_QUERY');
}
