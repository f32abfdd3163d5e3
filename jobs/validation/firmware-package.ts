import { JobError } from '../job-error.ts';
import type { PackageSources } from '../runtime/package-source.ts';
import type { JobPayload } from '../job-spec.ts';

/** OMA registry object 5 Firmware Update v1.2: Package URI (/5/0/1) holds at most 255 characters. */
export const MAX_PACKAGE_URI_LENGTH = 255;
const PULL_SCHEMES = new Set(['coap:', 'coaps:', 'coap+tcp:', 'coaps+tcp:', 'http:', 'https:']);

type FirmwarePayload = Extract<JobPayload, { type: 'firmwareUpdate' }>;

/**
 * Checks a firmware update's package (OMA registry object 5 Firmware Update, v1.2): exactly one of `packageUri` (pull: a coap(s) or http(s)
 * URI of at most 255 characters, written to /5/0/1) and `packageSource` (push: bytes written to /5/0/0, from a file
 * in the firmware directory — checked now, stored as its path inside the directory, read again when the job runs —
 * or from an http(s) URL on an allowed origin, fetched when the job runs; see PackageSources).
 */
export async function checkFirmwarePackage(spec: { packageUri?: unknown; packageSource?: unknown }, sources: PackageSources): Promise<FirmwarePayload> {
  const hasUri = spec.packageUri !== undefined;
  const hasSource = spec.packageSource !== undefined;
  if (hasUri === hasSource) {
    throw new JobError('INVALID_JOB', 'a firmware update needs exactly one of "packageUri" (the device pulls it) and "packageSource" (a file path or http(s) URL pushed to the device)');
  }
  if (hasUri) {
    const uri = spec.packageUri;
    if (typeof uri !== 'string' || uri === '') throw new JobError('INVALID_JOB', '"packageUri" must be a non-empty string');
    if (uri.length > MAX_PACKAGE_URI_LENGTH) throw new JobError('INVALID_JOB', `"packageUri" is ${uri.length} characters; Package URI holds at most ${MAX_PACKAGE_URI_LENGTH}`);
    if (!PULL_SCHEMES.has(urlScheme(uri) ?? '')) throw new JobError('INVALID_JOB', `"packageUri" must be a coap, coaps, http or https URI, got "${uri}"`);
    return { type: 'firmwareUpdate', method: 'pull', packageUri: uri };
  }
  const source = spec.packageSource;
  if (typeof source !== 'string' || source.trim() === '') throw new JobError('INVALID_JOB', '"packageSource" must be a file in the firmware directory or an allowed http(s) URL');
  return { type: 'firmwareUpdate', method: 'push', packageSource: await sources.check(source) };
}

function urlScheme(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text) || /^[a-z]:[\\/]/i.test(text)) return undefined;
  try {
    return new URL(text).protocol.toLowerCase();
  } catch {
    return 'invalid:';
  }
}
