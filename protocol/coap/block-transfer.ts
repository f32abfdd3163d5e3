import { ResponseCode } from './constants.ts';
import { ExpiringMap, type Expiring } from './expiring-map.ts';
import type { BlockValue, CoapCodeText, CoapOption } from './types.ts';

interface Upload extends Expiring {
  chunks: Buffer[];
  received: number;
}

/** What to do with one incoming Block1 block (RFC 7959 §2.3, §2.5). */
export type Block1Outcome =
  | { kind: 'continue'; block: BlockValue }
  | { kind: 'complete'; body: Buffer; block: BlockValue }
  | { kind: 'error'; code: CoapCodeText; reason: string; size1?: number };

export interface BlockStoreLimits {
  /** Largest body reassembled or cached, bytes. */
  maxBodyBytes: number;
  /** Most transfers held at once. */
  maxEntries: number;
  /** Most bytes held at once over all transfers (oldest evicted first). */
  maxTotalBytes: number;
  /** How long an idle transfer is kept, ms. */
  lifetimeMs: number;
}

/**
 * Server-role reassembly of Block1 uploads (RFC 7959 §2.5), keyed by peer and request (method, URI). Bounded in count
 * and bytes, oldest first; an idle upload expires after `lifetimeMs`. Tracks the byte offset rather than block
 * numbers, so a client that switches to the smaller size the server asked for continues seamlessly.
 */
export class Block1Reassembler {
  private readonly uploads: ExpiringMap<string, Upload>;
  private totalBytes = 0;

  constructor(private readonly limits: BlockStoreLimits) {
    this.uploads = new ExpiringMap(limits.maxEntries, (_k, u) => (this.totalBytes -= u.received));
  }

  get size(): number {
    return this.uploads.size;
  }

  /**
   * Accepts one block. `preferredSize` is this server's block size: a larger client block is accepted, and the
   * 2.31 answer asks for the smaller size from then on.
   */
  accept(key: string, block: BlockValue, payload: Buffer, size1: number | undefined, preferredSize: number, now: number): Block1Outcome {
    if (block.more ? payload.length !== block.size : payload.length > block.size) {
      this.drop(key);
      return { kind: 'error', code: ResponseCode.BAD_REQUEST, reason: `block ${block.num} has ${payload.length} bytes, size is ${block.size}` };
    }
    let upload: Upload | undefined;
    if (block.num === 0) {
      this.drop(key);
      if (size1 !== undefined && size1 > this.limits.maxBodyBytes) return this.tooLarge(key);
      upload = { chunks: [], received: 0, expiresAt: 0 };
    } else {
      upload = this.uploads.get(key, now);
      if (upload === undefined) {
        return { kind: 'error', code: ResponseCode.REQUEST_ENTITY_INCOMPLETE, reason: `block ${block.num} without the blocks before it` };
      }
      if (block.num * block.size !== upload.received) {
        this.drop(key);
        return { kind: 'error', code: ResponseCode.REQUEST_ENTITY_INCOMPLETE, reason: `block ${block.num}/${block.size} does not follow byte ${upload.received}` };
      }
    }
    if (upload.received + payload.length > this.limits.maxBodyBytes) return this.tooLarge(key);

    if (!block.more) {
      this.drop(key);
      const body = upload.chunks.length === 0 ? Buffer.from(payload) : Buffer.concat([...upload.chunks, payload]);
      return { kind: 'complete', body, block };
    }
    upload.chunks.push(Buffer.from(payload)); // copy: the datagram buffer is not ours to keep
    upload.received += payload.length;
    upload.expiresAt = now + this.limits.lifetimeMs;
    this.totalBytes += payload.length;
    this.uploads.set(key, upload, now); // re-insert: the young end
    while (this.totalBytes > this.limits.maxTotalBytes && this.uploads.evictOldest());
    return { kind: 'continue', block: { num: block.num, more: true, size: Math.min(block.size, preferredSize) } };
  }

  private tooLarge(key: string): Block1Outcome {
    this.drop(key);
    return {
      kind: 'error',
      code: ResponseCode.REQUEST_ENTITY_TOO_LARGE,
      reason: `body larger than ${this.limits.maxBodyBytes} bytes`,
      size1: this.limits.maxBodyBytes, // RFC 7959 §4: Size1 in a 4.13 tells the largest acceptable body
    };
  }

  private drop(key: string): void {
    const upload = this.uploads.get(key, Number.NEGATIVE_INFINITY);
    if (upload === undefined) return;
    this.uploads.delete(key);
    this.totalBytes -= upload.received;
  }

  clear(): void {
    this.uploads.clear();
    this.totalBytes = 0;
  }
}

/** A full response body the server split into Block2 blocks, kept so later blocks come from the same representation. */
export interface CachedBody extends Expiring {
  code: number;
  /** Response options without Observe, Block2 and Size2. */
  options: CoapOption[];
  body: Buffer;
}

/**
 * Server-role cache of large response bodies for Block2 continuations (RFC 7959 §2.4), keyed by peer and request.
 * The design choice: a request for block N > 0 is served from this short-lived cache when present, so every block
 * comes from one representation; on a miss (expired or evicted) the handler is run again and block N is cut from
 * its fresh answer, as a stateless server would. Bounded in count and bytes, oldest first.
 */
export class Block2Cache {
  private readonly bodies: ExpiringMap<string, CachedBody>;
  private totalBytes = 0;

  constructor(private readonly limits: BlockStoreLimits) {
    this.bodies = new ExpiringMap(limits.maxEntries, (_k, c) => (this.totalBytes -= c.body.length));
  }

  get size(): number {
    return this.bodies.size;
  }

  get(key: string, now: number): CachedBody | undefined {
    return this.bodies.get(key, now);
  }

  put(key: string, code: number, options: CoapOption[], body: Buffer, now: number): void {
    if (body.length > this.limits.maxBodyBytes) return;
    const old = this.bodies.get(key, Number.NEGATIVE_INFINITY);
    if (old !== undefined) {
      this.bodies.delete(key);
      this.totalBytes -= old.body.length;
    }
    this.bodies.set(key, { code, options, body, expiresAt: now + this.limits.lifetimeMs }, now);
    this.totalBytes += body.length;
    while (this.totalBytes > this.limits.maxTotalBytes && this.bodies.evictOldest());
  }

  clear(): void {
    this.bodies.clear();
    this.totalBytes = 0;
  }
}

/** Cuts block `num` of `size` bytes out of `body` (RFC 7959 §2.2); undefined when the block starts past the end. */
export function sliceBlock(body: Buffer, num: number, size: number): { payload: Buffer; more: boolean } | undefined {
  const start = num * size;
  if (start >= body.length && !(start === 0 && body.length === 0)) return undefined;
  const end = Math.min(start + size, body.length);
  return { payload: body.subarray(start, end), more: end < body.length };
}
