/**
 * What a virtual benchmark device answers (OMA TS Core §6.3, §6.4): fixed values for objects 3, 4, 5 and 6 in the
 * SenML format the server asks for (OMA TS Core 1.1 §7.4 data formats: a 1.1 device announcing SenML CBOR gets SenML CBOR), encoded once and
 * cached, plus notification bodies for `/3/0` carrying one resource.
 */
import type { ObjectRegistry } from '../../../objects/object-registry.ts';
import type { IncomingRequest, OutgoingResponse } from '../../../protocol/coap/types.ts';
import { encodeLeaves, encodeNode } from '../../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mLeaf, LwM2mValue } from '../../../protocol/lwm2m/node.ts';
import { leavesToNode } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';

/** The link payload of a Register (OMA TS Core 1.1 §6.2 Client Registration): root with the formats, then the instances of objects 1, 3, 4, 5, 6. */
export const REGISTER_LINKS = '</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>,</3/0>,</4/0>,</5/0>,</6/0>';

/** Resource values by `O/I/R` (or `O/I/R/RI` for multiple resources). */
const VALUES: ReadonlyArray<[string, LwM2mValue]> = [
  ['3/0/0', 'Bench Devices Inc.'],
  ['3/0/1', 'VD-1'],
  ['3/0/2', 'VD-0000'],
  ['3/0/3', '1.0.0'],
  ['3/0/9', 80],
  ['3/0/10', 512],
  ['3/0/11/0', 0],
  ['3/0/16', 'U'],
  ['4/0/0', 6],
  ['4/0/2', -80],
  ['4/0/3', 90],
  ['5/0/3', 0],
  ['5/0/5', 0],
  ['6/0/0', 48.8566],
  ['6/0/1', 2.3522],
];

const SENML = new Set<number>([ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON]);

export interface DeviceAnswersOptions {
  /**
   * Also answer a Read of one single-instance resource asked with `Accept: text/plain` (OMA TS Core 1.1 §7.4.1 Plain
   * Text), as LwM2M 1.0 servers such as lwm2m-node-lib ask. @defaultValue false: 4.06 for every format but SenML
   */
  plainText?: boolean;
}

/** Answers the server's requests to virtual devices; every device answers the same values. */
export class DeviceAnswers {
  private readonly leaves: LwM2mLeaf[];
  private readonly cache = new Map<string, Buffer | null>();

  constructor(
    private readonly model: ObjectRegistry,
    private readonly opts: DeviceAnswersOptions = {},
  ) {
    this.leaves = VALUES.map(([p, value]) => ({ path: LwM2mPath.parse(p), value }));
  }

  /** The response to one server request; observations of `/3/0` are reported through `onObserve3`. */
  answer(req: IncomingRequest): OutgoingResponse {
    if (req.method === 'GET') {
      const accept = req.accept ?? ContentFormat.SENML_CBOR;
      const path = req.uriPath.filter((s) => s !== '').join('/');
      if (accept === ContentFormat.TEXT && this.opts.plainText === true) {
        const payload = this.plainText(path);
        return payload ? { code: '2.05', contentFormat: ContentFormat.TEXT, payload } : { code: '4.04' };
      }
      if (!SENML.has(accept)) return { code: '4.06' };
      const payload = this.payload(path, accept);
      return payload ? { code: '2.05', contentFormat: accept, payload } : { code: '4.04' };
    }
    if (req.method === 'PUT' || req.method === 'POST') return { code: '2.04' }; // Write-Attributes, Write, Execute
    return { code: '4.05' };
  }

  /** The encoded values under `path` (`3/0`, `3/0/9`), or null when the device has none. */
  payload(path: string, contentFormat: number): Buffer | null {
    const key = `${contentFormat} ${path}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const target = path === '' ? undefined : LwM2mPath.parse(path);
      const leaves = this.leaves.filter((l) => target === undefined || target.contains(l.path));
      hit = leaves.length === 0 ? null : encodeLeaves(contentFormat, leaves, this.model);
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** The plain-text value of the single resource at `path` (`3/0/9`), or null when the device has no such resource. */
  private plainText(path: string): Buffer | null {
    const key = `${ContentFormat.TEXT} ${path}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const target = /^\d+\/\d+\/\d+$/.test(path) ? LwM2mPath.parse(path) : undefined;
      const leaf = target && this.leaves.find((l) => l.path.equals(target));
      hit = target && leaf ? encodeNode(ContentFormat.TEXT, leavesToNode([leaf], target, this.model), target, this.model) : null;
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** A `/3/0` notification body (SenML CBOR) carrying one resource of object 3 instance 0. */
  notification(resourceId: number, value: LwM2mValue): Buffer {
    return encodeLeaves(ContentFormat.SENML_CBOR, [{ path: new LwM2mPath(3, 0, resourceId), value }], this.model);
  }
}
