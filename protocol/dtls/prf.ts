import { createHash, createHmac } from 'node:crypto';

/** P_SHA256 (RFC 5246 §5): HMAC-SHA256 iterated until `length` bytes. */
export function pSha256(secret: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let produced = 0;
  let a = seed;
  while (produced < length) {
    a = createHmac('sha256', secret).update(a).digest();
    const block = createHmac('sha256', secret).update(a).update(seed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The TLS 1.2 PRF (RFC 5246 §5): P_SHA256(secret, label ‖ seed). */
export function prf(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  return pSha256(secret, Buffer.concat([Buffer.from(label, 'ascii'), seed]), length);
}

export function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The master secret (RFC 5246 §8.1), or the extended master secret over the session hash (RFC 7627 §4). */
export function masterSecret(preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer, sessionHash: Buffer | undefined): Buffer {
  if (sessionHash !== undefined) return prf(preMaster, 'extended master secret', sessionHash, 48);
  return prf(preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** Finished.verify_data (RFC 5246 §7.4.9): 12 bytes over the transcript hash. */
export function verifyData(master: Buffer, fromClient: boolean, transcriptHash: Buffer): Buffer {
  return prf(master, fromClient ? 'client finished' : 'server finished', transcriptHash, 12);
}

/** PSK pre-master secret (RFC 4279 §2): uint16 N ‖ N zero bytes ‖ uint16 N ‖ psk. */
export function pskPreMasterSecret(psk: Buffer): Buffer {
  const n = psk.length;
  const out = Buffer.alloc(4 + 2 * n);
  out.writeUInt16BE(n, 0);
  out.writeUInt16BE(n, 2 + n);
  psk.copy(out, 4 + n);
  return out;
}
