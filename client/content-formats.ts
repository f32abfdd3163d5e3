import { ContentFormat } from '../protocol/lwm2m/content-format.ts';
import type { LwM2mNode } from '../protocol/lwm2m/node.ts';
import { ClientError } from './errors.ts';

export type LwM2mVersion = '1.0' | '1.1';

/** Formats a 1.1 client announces by default: `ct="60 110 112 11542"`. */
export const DEFAULT_FORMATS_1_1: readonly number[] = [ContentFormat.CBOR, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.TLV];
/** A 1.0 client announces one format: TLV (OMA TS Core 1.0 §6.4.3, mandatory). */
export const DEFAULT_FORMATS_1_0: readonly number[] = [ContentFormat.TLV];

const SINGLE_VALUE_ONLY = new Set<number>([ContentFormat.TEXT, ContentFormat.OPAQUE, ContentFormat.CBOR]);
const COMPOSITE_PREFERENCE: readonly number[] = [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.JSON];

/**
 * Which content formats a client reads and writes, and which it picks without an Accept option
 * (OMA TS Core 1.1 §7.4: text, opaque and one multi-value format are mandatory; 1.0 clients use TLV).
 */
export class FormatPolicy {
  private static readonly cache = new Map<string, FormatPolicy>();
  readonly supported: ReadonlySet<number>;

  /** One policy object per distinct setting, shared by every client using it (100,000 devices, a few policies). */
  static shared(version: LwM2mVersion, announced: readonly number[]): FormatPolicy {
    const key = version + ':' + announced.join(',');
    let p = FormatPolicy.cache.get(key);
    if (!p) FormatPolicy.cache.set(key, (p = new FormatPolicy(version, announced)));
    return p;
  }

  constructor(
    readonly version: LwM2mVersion,
    /** Announced in the registration's root link (`ct`), in order of preference. */
    readonly announced: readonly number[],
  ) {
    const s = new Set<number>([ContentFormat.TEXT, ContentFormat.OPAQUE, ContentFormat.TLV, ContentFormat.TLV_LEGACY, ContentFormat.JSON, ContentFormat.JSON_LEGACY]);
    if (version === '1.1') for (const cf of [ContentFormat.CBOR, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR]) s.add(cf);
    for (const cf of announced) s.add(cf);
    this.supported = s;
  }

  /** True when the format carries several paths (Read-Composite, Write-Composite, Send). */
  static isComposite(cf: number): boolean {
    return cf === ContentFormat.SENML_JSON || cf === ContentFormat.SENML_CBOR || cf === ContentFormat.JSON || cf === ContentFormat.JSON_LEGACY || cf === ContentFormat.LWM2M_CBOR;
  }

  /**
   * The format of a Read answer for `node` (OMA TS Core 1.1 §6.3, Read): the Accept option when the client can produce it for
   * this node (text, opaque and CBOR carry one value only; opaque only opaque values), otherwise `NOT_ACCEPTABLE`.
   * Without Accept: TLV for 1.0; for 1.1 the preferred announced multi-value format, text for a lone value otherwise.
   */
  responseFormat(accept: number | undefined, node: LwM2mNode): number {
    const single = node.kind === 'resource' || node.kind === 'resourceInstance';
    if (accept !== undefined) {
      if (!this.supported.has(accept)) throw new ClientError('NOT_ACCEPTABLE', `content format ${accept} is not supported`);
      if (SINGLE_VALUE_ONLY.has(accept) && !single) throw new ClientError('NOT_ACCEPTABLE', `content format ${accept} carries a single value, the target holds several`);
      if (accept === ContentFormat.OPAQUE && !(single && node.value instanceof Uint8Array)) throw new ClientError('NOT_ACCEPTABLE', 'only opaque resources can be read as application/octet-stream');
      return accept;
    }
    return this.defaultFormat(single);
  }

  /** Default format when the request names none. */
  defaultFormat(single: boolean): number {
    if (this.version === '1.0') return ContentFormat.TLV;
    for (const cf of COMPOSITE_PREFERENCE) if (this.announced.includes(cf)) return cf;
    if (this.announced.includes(ContentFormat.TLV)) return ContentFormat.TLV;
    return single ? ContentFormat.TEXT : ContentFormat.TLV;
  }

  /** The format of a composite answer (Read-Composite, Observe-Composite, Send): Accept, else the request's format. */
  compositeFormat(accept: number | undefined, fallback: number): number {
    const cf = accept ?? fallback;
    if (!this.supported.has(cf) || !FormatPolicy.isComposite(cf)) throw new ClientError('NOT_ACCEPTABLE', `content format ${cf} cannot carry a composite answer`);
    return cf;
  }

  /** Checks a request payload's format: `UNSUPPORTED_FORMAT` (4.15) when the client cannot decode it. */
  requireDecodable(cf: number | undefined): number {
    if (cf === undefined) throw new ClientError('BAD_REQUEST', 'the request has a payload but no Content-Format');
    if (!this.supported.has(cf) || cf === ContentFormat.LINK) throw new ClientError('UNSUPPORTED_FORMAT', `content format ${cf} is not supported`);
    return cf;
  }
}
