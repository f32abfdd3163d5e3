import { ClientError } from '../../../client/errors.ts';
import type { ExecuteArguments } from '../../../client/execute-arguments.ts';
import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';

const IDS = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12] as const;

/** Firmware Update states (/5/0/3, OMA TS Core §E.6). */
export const FirmwareState = { IDLE: 0, DOWNLOADING: 1, DOWNLOADED: 2, UPDATING: 3 } as const;
/** Update Result codes (/5/0/5). */
export const FirmwareResult = { INITIAL: 0, SUCCESS: 1, INVALID_URI: 7, FAILED: 8, UNSUPPORTED_PROTOCOL: 9, CANCELLED: 10 } as const;

/** Results that end a download rather than an update (OMA TS Core §E.6: "Downloading → Idle with result 2–7 or 9"). */
const DOWNLOAD_FAILURES = new Set([2, 3, 4, 5, 6, 7, 9]);

export interface FirmwareOptions {
  /** Physics steps from Downloading to Downloaded for a pull (default 2). */
  downloadSteps?: number;
  /** Physics steps from Updating to Idle (default 2). */
  updateSteps?: number;
  /** When set, this device's update fails with this result code (e.g. 8; 2–7 and 9 fail the download). */
  failResult?: number;
  /** Called with the new version when an update succeeds (sets /3/0/3). */
  onUpdated: (version: string) => void;
  /** The running firmware version. */
  currentVersion: () => string;
}

/**
 * Simulated Firmware Update object `/5/0` (OMA TS Core §E.6). Pull: write a URI to /5/0/1 → Downloading → Downloaded
 * after `downloadSteps`. Push: write the package to /5/0/0 (block-wise) → Downloaded. Execute /5/0/2 in Downloaded →
 * Updating → Idle with result 1 and the new version (taken from `x.y.z` in the URI or package, else the next patch
 * version), or with `failResult`. An empty URI or package resets to Idle/0; Cancel (/5/0/10) → Idle/10.
 */
export class FirmwareObject extends ObjectInstance {
  private state: number = FirmwareState.IDLE;
  private result: number = FirmwareResult.INITIAL;
  private uri = '';
  private pkgName = '';
  private pkgVersion = '';
  private target = '';
  private stepsLeft = 0;
  private changedAt = Math.floor(Date.now() / 1000) * 1000;

  constructor(private readonly opts: FirmwareOptions) {
    super(5, 0);
  }

  resourceIds(): readonly number[] {
    return IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 1: return this.uri;
      case 3: return this.state;
      case 5: return this.result;
      case 6: return this.pkgName;
      case 7: return this.pkgVersion;
      case 8: return new Map([[0, 0], [1, 1], [2, 2], [3, 3]]);
      case 9: return 2; // pull and push
      case 12: return new Date(this.changedAt);
      default: return undefined; // 0 is write-only
    }
  }

  override write(resourceId: number, value: ResourceValue): void {
    if (resourceId === 0) {
      if (!(value instanceof Uint8Array)) throw new ClientError('BAD_REQUEST', 'package must be opaque');
      if (value.length === 0) return this.reset();
      this.requireIdle();
      this.uri = '';
      this.changed(1);
      this.target = versionIn(Buffer.from(value.subarray(0, 512)).toString('latin1')) ?? nextPatch(this.opts.currentVersion());
      this.set(FirmwareState.DOWNLOADING, FirmwareResult.INITIAL);
      this.stepsLeft = 0;
      this.finishDownload(); // the whole package arrived with the write
      return;
    }
    if (resourceId === 1) {
      if (typeof value !== 'string' || value.length > 255) throw new ClientError('BAD_REQUEST', 'package URI must be a string of at most 255 characters');
      if (value === '') return this.reset();
      this.requireIdle();
      this.uri = value;
      this.changed(1);
      const scheme = /^([a-z][a-z0-9+.-]*):\/\/[^\s/]+/i.exec(value)?.[1]?.toLowerCase();
      if (scheme === undefined) return this.set(FirmwareState.IDLE, FirmwareResult.INVALID_URI);
      if (!['coap', 'coaps', 'http', 'https'].includes(scheme)) return this.set(FirmwareState.IDLE, FirmwareResult.UNSUPPORTED_PROTOCOL);
      this.target = versionIn(value) ?? nextPatch(this.opts.currentVersion());
      this.stepsLeft = this.opts.downloadSteps ?? 2;
      return this.set(FirmwareState.DOWNLOADING, FirmwareResult.INITIAL);
    }
    return super.write(resourceId, value);
  }

  override execute(resourceId: number, args: ExecuteArguments): void | Promise<void> {
    if (resourceId === 2) {
      if (this.state !== FirmwareState.DOWNLOADED) throw new ClientError('NOT_ALLOWED', 'Update needs state Downloaded');
      this.stepsLeft = this.opts.updateSteps ?? 2;
      return this.set(FirmwareState.UPDATING, this.result);
    }
    if (resourceId === 10) {
      if (this.state === FirmwareState.IDLE || this.state === FirmwareState.UPDATING) throw new ClientError('NOT_ALLOWED', 'nothing to cancel');
      return this.set(FirmwareState.IDLE, FirmwareResult.CANCELLED);
    }
    return super.execute(resourceId, args);
  }

  /** One physics step: advances a download or an update. */
  step(): void {
    if (this.state !== FirmwareState.DOWNLOADING && this.state !== FirmwareState.UPDATING) return;
    if (this.stepsLeft > 0) this.stepsLeft--;
    if (this.stepsLeft > 0) return;
    if (this.state === FirmwareState.DOWNLOADING) return this.finishDownload();
    const fail = this.opts.failResult;
    if (fail !== undefined && !DOWNLOAD_FAILURES.has(fail)) return this.set(FirmwareState.IDLE, fail);
    this.opts.onUpdated(this.target);
    this.set(FirmwareState.IDLE, FirmwareResult.SUCCESS);
  }

  /** Empty URI or package: back to Idle with result 0 (not while updating). Also used by factory reset. */
  reset(): void {
    if (this.state === FirmwareState.UPDATING) throw new ClientError('NOT_ALLOWED', 'an update is in progress');
    if (this.uri !== '') {
      this.uri = '';
      this.changed(1);
    }
    this.set(FirmwareState.IDLE, FirmwareResult.INITIAL);
  }

  private finishDownload(): void {
    const fail = this.opts.failResult;
    if (fail !== undefined && DOWNLOAD_FAILURES.has(fail)) return this.set(FirmwareState.IDLE, fail);
    this.pkgName = 'lwtwin-firmware';
    this.pkgVersion = this.target;
    this.changed(6);
    this.changed(7);
    this.set(FirmwareState.DOWNLOADED, FirmwareResult.INITIAL);
  }

  private requireIdle(): void {
    if (this.state !== FirmwareState.IDLE) throw new ClientError('BAD_REQUEST', `a new package needs state Idle, state is ${this.state}`);
  }

  private set(state: number, result: number): void {
    if (state !== this.state) {
      this.state = state;
      this.changedAt = Math.floor(Date.now() / 1000) * 1000;
      this.changed(3);
      this.changed(12);
    }
    if (result !== this.result) {
      this.result = result;
      this.changed(5);
    }
  }

  /** [state, result], for tests. */
  get status(): [number, number] {
    return [this.state, this.result];
  }
}

function versionIn(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

function nextPatch(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.1';
}
