import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { mergeAttributes, type AttributeSet } from './attributes.ts';

/**
 * Attributes attached by Write-Attributes, per path (OMA TS Core 1.1 §5.1.2: one set per server; this client serves
 * one server). Allocated on first write, so a device that never gets attributes carries none.
 */
export class AttributeStore {
  private sets: Map<string, AttributeSet> | undefined;
  /** Bumped on every change, so observations know to recompute their effective attributes. */
  revision = 0;

  get(path: LwM2mPath): AttributeSet | undefined {
    return this.sets?.get(path.toString());
  }

  set(path: LwM2mPath, value: AttributeSet | undefined): void {
    this.revision++;
    if (value === undefined) this.sets?.delete(path.toString());
    else (this.sets ??= new Map()).set(path.toString(), value);
  }

  /** Merged attributes for `path`: object, then instance, resource and resource-instance levels (most specific wins). */
  merged(path: LwM2mPath): AttributeSet {
    if (!this.sets || this.sets.size === 0) return {};
    const ids = path.ids();
    const levels: (AttributeSet | undefined)[] = [];
    let key = '';
    for (const id of ids) {
      key += '/' + id;
      levels.push(this.sets.get(key));
    }
    return mergeAttributes(levels);
  }

  /** Forgets the attributes at and below `path` (the instance was deleted). */
  clearUnder(path: LwM2mPath): void {
    if (!this.sets) return;
    const prefix = path.toString();
    for (const key of [...this.sets.keys()]) if (key === prefix || key.startsWith(prefix + '/')) this.sets.delete(key);
    this.revision++;
  }

  clear(): void {
    this.sets = undefined;
    this.revision++;
  }
}
