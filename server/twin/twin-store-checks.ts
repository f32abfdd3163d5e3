/**
 * Input checks and errors shared by the twin stores, so both refuse the same input with the same message.
 */
import { ServerError } from '../errors.ts';
import { checkPatchObject, keyProblem, MAX_KEY_BYTES, MAX_STRING_BYTES, refuse } from './twin-limits.ts';
import { applyTwinPatch, emptySection } from './twin-patch.ts';
import type { DesiredSyncStatus } from './twin-store.ts';
import type { DesiredSyncRecord, TwinObject, TwinSection } from './twin.ts';
import { isoTime } from './twin.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A device id is a non-empty string of at most 1 KB without control characters. */
export function checkEndpoint(ep: string): void {
  if (typeof ep !== 'string' || ep === '') throw ServerError.badRequest('deviceId must be a non-empty string');
  if (CONTROL.test(ep)) throw ServerError.badRequest('deviceId must not contain control characters');
  if (Buffer.byteLength(ep, 'utf8') > MAX_KEY_BYTES) throw ServerError.badRequest(`deviceId must be at most ${MAX_KEY_BYTES} bytes`);
}

/** The tags of a new twin: validated and merged like a patch into empty tags (nulls drop out, size limit applies). */
export function initialTags(tags: TwinObject | undefined, nowMs: number): TwinObject {
  if (tags === undefined) return {};
  checkPatchObject(['tags'], tags);
  return applyTwinPatch({ tags: {}, desired: emptySection(nowMs, true) }, { tags }, nowMs).tags;
}

/** Validates a desired-sync status and stamps it. */
export function checkSyncStatus(property: readonly string[], status: DesiredSyncStatus, nowMs: number): DesiredSyncRecord {
  if (!Array.isArray(property) || property.length === 0) throw ServerError.badRequest('desiredSync: property must have at least one segment');
  for (let i = 0; i < property.length; i++) {
    const bad = keyProblem(property[i]);
    if (bad) refuse(['properties', 'desired', ...property.slice(0, i + 1)], bad);
  }
  const where = `desiredSync.${property.join('.')}`;
  if (!['pending', 'accepted', 'rejected'].includes(status.status)) throw ServerError.badRequest(`${where}: status must be pending, accepted or rejected`);
  if (!Number.isSafeInteger(status.desiredVersion) || status.desiredVersion < 0) throw ServerError.badRequest(`${where}: desiredVersion must be a non-negative integer`);
  if (status.error !== undefined && (typeof status.error !== 'string' || Buffer.byteLength(status.error, 'utf8') > MAX_STRING_BYTES)) {
    throw ServerError.badRequest(`${where}: error must be a string of at most ${MAX_STRING_BYTES} bytes`);
  }
  return {
    status: status.status,
    desiredVersion: status.desiredVersion,
    at: isoTime(nowMs),
    ...(status.error !== undefined ? { error: status.error } : {}),
  };
}

/** Of the desired leaves a patch changed, those that no longer exist (their desired-sync records go with them). */
export function deletedLeaves(desired: TwinSection, changed: readonly string[]): string[] {
  return changed.filter((path) => {
    let node: unknown = desired;
    for (const key of path.split('.')) {
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return true;
      node = (node as Record<string, unknown>)[key];
    }
    return typeof node === 'object';
  });
}

export function notFound(ep: string): ServerError {
  return ServerError.notFound(`no twin for device ${JSON.stringify(ep)}`, { deviceId: ep });
}

export function preconditionFailed(ep: string, ifMatch: string, etag: string): ServerError {
  return ServerError.preconditionFailed(`If-Match ${ifMatch} does not match the current ETag ${etag} of device ${JSON.stringify(ep)}`, {
    deviceId: ep,
    etag,
  });
}
