import { ProtocolError } from '../errors.ts';

const MAX_ID = 65535;

/**
 * An LwM2M path: `/`, `/O`, `/O/I`, `/O/I/R` or `/O/I/R/RI`. Immutable and validated on construction:
 * every id is an integer in 0..65535 (OMA TS Core 1.1 §7.3 Identifiers; 65535 is reserved as MAX_ID but still parses).
 */
export class LwM2mPath {
  readonly objectId?: number;
  readonly objectInstanceId?: number;
  readonly resourceId?: number;
  readonly resourceInstanceId?: number;
  private readonly text: string;

  constructor(...ids: number[]) {
    if (ids.length > 4) throw new ProtocolError('PATH_INVALID', `an LwM2M path has at most 4 levels, got ${ids.length}`);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
        throw new ProtocolError('PATH_INVALID', `path id ${String(id)} is not an integer in 0..${MAX_ID}`);
      }
    }
    [this.objectId, this.objectInstanceId, this.resourceId, this.resourceInstanceId] = ids;
    this.text = ids.length === 0 ? '/' : '/' + ids.join('/');
    Object.freeze(this);
  }

  /** Parses `/3/0/9`, `3/0/9` or `/3/0/9/` (one trailing slash). Throws `PATH_INVALID` naming the bad segment. */
  static parse(input: string): LwM2mPath {
    if (typeof input !== 'string') throw new ProtocolError('PATH_INVALID', 'path must be a string');
    let s = input.trim();
    if (s === '' || s === '/') return ROOT;
    if (s.startsWith('/')) s = s.slice(1);
    if (s.endsWith('/')) s = s.slice(0, -1);
    const parts = s.split('/');
    if (parts.length > 4) throw new ProtocolError('PATH_INVALID', `path "${input}" has more than 4 levels`);
    const ids = parts.map((p) => {
      if (!/^\d{1,5}$/.test(p)) throw new ProtocolError('PATH_INVALID', `path "${input}": segment "${p}" is not a numeric id`);
      const n = Number(p);
      if (n > MAX_ID) throw new ProtocolError('PATH_INVALID', `path "${input}": id ${n} is greater than ${MAX_ID}`);
      return n;
    });
    return new LwM2mPath(...ids);
  }

  /** True when `input` parses as a path (cheap check used to tell paths from property names). */
  static isPath(input: string): boolean {
    return /^\/?(\d{1,5})(\/\d{1,5}){0,3}\/?$/.test(input.trim()) || input.trim() === '/';
  }

  get length(): number {
    return this.resourceInstanceId !== undefined ? 4 : this.resourceId !== undefined ? 3 : this.objectInstanceId !== undefined ? 2 : this.objectId !== undefined ? 1 : 0;
  }
  isRoot(): boolean {
    return this.length === 0;
  }
  isObject(): boolean {
    return this.length === 1;
  }
  isObjectInstance(): boolean {
    return this.length === 2;
  }
  isResource(): boolean {
    return this.length === 3;
  }
  isResourceInstance(): boolean {
    return this.length === 4;
  }
  ids(): number[] {
    return [this.objectId, this.objectInstanceId, this.resourceId, this.resourceInstanceId].filter((x): x is number => x !== undefined);
  }
  /** Uri-Path segments for CoAP, optionally under an alternate root path (`/lwm2m`). */
  segments(rootPath = ''): string[] {
    const root = rootPath.split('/').filter(Boolean);
    return [...root, ...this.ids().map(String)];
  }
  child(id: number): LwM2mPath {
    return new LwM2mPath(...this.ids(), id);
  }
  parent(): LwM2mPath {
    if (this.isRoot()) throw new ProtocolError('PATH_INVALID', 'the root path has no parent');
    return new LwM2mPath(...this.ids().slice(0, -1));
  }
  /** True when `other` equals this path or lies below it. */
  contains(other: LwM2mPath): boolean {
    const a = this.ids();
    const b = other.ids();
    return a.length <= b.length && a.every((id, i) => id === b[i]);
  }
  equals(other: LwM2mPath): boolean {
    return this.text === other.text;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

const ROOT = new LwM2mPath();
export const ROOT_PATH = ROOT;
