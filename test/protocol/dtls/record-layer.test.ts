import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { ContentType, HandshakeType } from '../../../protocol/dtls/constants.ts';
import { encodeHandshake, fragmentHandshake, HandshakeReassembler, parseHandshakeFragments } from '../../../protocol/dtls/handshake.ts';
import { encodeClientHello, parseClientHello } from '../../../protocol/dtls/messages.ts';
import { encodeRecord, innerPlaintext, parseInnerPlaintext, parseRecords } from '../../../protocol/dtls/record.ts';
import { ReplayWindow } from '../../../protocol/dtls/replay-window.ts';
import { prng } from '../../helpers/prng.ts';

describe('record parsing (RFC 6347 §4.1)', () => {
  it('splits a datagram holding several records and keeps epoch, 48-bit sequence and CID', () => {
    const a = encodeRecord(ContentType.handshake, 0xfefd, 0, 2 ** 40 + 3, Buffer.from('abc'));
    const b = encodeRecord(ContentType.tls12Cid, 0xfefd, 1, 7, Buffer.from('xyz'), Buffer.from('cid123'));
    const recs = parseRecords(Buffer.concat([a, b]), 6);
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ type: 22, epoch: 0, seq: 2 ** 40 + 3 });
    expect(recs[0].fragment.toString()).toBe('abc');
    expect(recs[1].cid?.toString()).toBe('cid123');
    expect(recs[1].fragment.toString()).toBe('xyz');
  });

  it('drops a truncated record and everything after it, and CID records when no CID was issued', () => {
    const a = encodeRecord(ContentType.applicationData, 0xfefd, 1, 1, Buffer.alloc(20));
    expect(parseRecords(a.subarray(0, a.length - 1), 0)).toEqual([]);
    expect(parseRecords(a.subarray(0, 12), 0)).toEqual([]);
    expect(parseRecords(Buffer.concat([a, a.subarray(0, 5)]), 0)).toHaveLength(1);
    expect(parseRecords(encodeRecord(ContentType.tls12Cid, 0xfefd, 1, 1, Buffer.alloc(4), Buffer.alloc(6)), 0)).toEqual([]);
  });

  it('inner plaintext (RFC 9146 §4) strips zero padding and refuses all-zero content', () => {
    const inner = Buffer.concat([innerPlaintext(Buffer.from('hi'), 23), Buffer.alloc(5)]);
    expect(parseInnerPlaintext(inner)).toEqual({ type: 23, content: Buffer.from('hi') });
    expect(parseInnerPlaintext(Buffer.alloc(4))).toBeUndefined();
  });

  it('survives 6,000 random and mutated datagrams without throwing (bounded fuzz)', () => {
    const rnd = prng(12);
    const seed = Buffer.concat([encodeRecord(22, 0xfefd, 0, 1, Buffer.alloc(30, 1)), encodeRecord(25, 0xfefd, 1, 2, Buffer.alloc(10), Buffer.alloc(6))]);
    for (let i = 0; i < 6000; i++) {
      const d = i % 2 === 0 ? Buffer.from(seed) : Buffer.alloc(Math.floor(rnd() * 80));
      for (let k = 0; k < 1 + Math.floor(rnd() * 6); k++) if (d.length > 0) d[Math.floor(rnd() * d.length)] = Math.floor(rnd() * 256);
      const recs = parseRecords(d, i % 3 === 0 ? 0 : 6);
      for (const r of recs) expect(r.fragment.length).toBeLessThanOrEqual(d.length);
      for (const r of recs) {
        try {
          parseHandshakeFragments(r.fragment);
        } catch (err) {
          expect(isProtocolError(err, 'DTLS_DECODE')).toBe(true);
        }
      }
    }
  });
});

describe('anti-replay window (RFC 6347 §4.1.2.6)', () => {
  it('accepts each sequence number once, reordered within 64, and nothing left of the window', () => {
    const w = new ReplayWindow();
    const accept = (s: number): boolean => {
      if (!w.check(s)) return false;
      w.mark(s);
      return true;
    };
    expect(accept(0)).toBe(true);
    expect(accept(0)).toBe(false);
    expect(accept(5)).toBe(true);
    expect(accept(3)).toBe(true);
    expect(accept(3)).toBe(false);
    expect(accept(100)).toBe(true);
    expect(accept(36)).toBe(false); // 64 behind: outside
    expect(accept(37)).toBe(true);
    expect(accept(37)).toBe(false);
    expect(accept(68)).toBe(true); // 32 behind: crosses the half boundary
    expect(accept(68)).toBe(false);
    expect(accept(2 ** 47)).toBe(true);
    expect(accept(100)).toBe(false);
    expect(accept(2 ** 47 - 63)).toBe(true);
    expect(accept(2 ** 47 - 63)).toBe(false);
  });

  it('matches a reference set over a random walk', () => {
    const rnd = prng(3);
    const w = new ReplayWindow();
    const seen = new Set<number>();
    let max = -1;
    for (let i = 0; i < 5000; i++) {
      const s = Math.max(0, max + Math.floor(rnd() * 90) - 70);
      const expected = !seen.has(s) && (s > max || max - s < 64);
      expect(w.check(s)).toBe(expected);
      if (expected) {
        w.mark(s);
        seen.add(s);
        max = Math.max(max, s);
      }
    }
  });
});

describe('handshake fragmentation and reassembly (RFC 6347 §4.2.3)', () => {
  const msg = { msgType: HandshakeType.certificate, messageSeq: 2, body: Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff)) };

  it('reassembles fragments in any order, with overlaps, into the original message', () => {
    const frags = fragmentHandshake(msg, 128).flatMap((f) => parseHandshakeFragments(f));
    expect(frags.length).toBe(8);
    const r = new HandshakeReassembler(16384);
    r.nextSeq = 2;
    const order = [7, 3, 0, 3, 5, 1, 6, 2];
    let out: ReturnType<HandshakeReassembler['add']> = [];
    for (const i of order) out = out.concat(r.add(frags[i]));
    expect(out).toEqual([]);
    out = r.add(frags[4]);
    expect(out).toHaveLength(1);
    expect(encodeHandshake(out[0])).toEqual(encodeHandshake(msg));
  });

  it('refuses messages over the bound, fragments that disagree, and fragments past the message length', () => {
    const r = new HandshakeReassembler(512);
    r.nextSeq = 2;
    const frags = fragmentHandshake(msg, 128).flatMap((f) => parseHandshakeFragments(f));
    expect(() => r.add(frags[0])).toThrow(/exceeds 512/);
    const r2 = new HandshakeReassembler(4096);
    r2.nextSeq = 2;
    r2.add(frags[0]);
    expect(() => r2.add({ ...frags[1], msgType: 1 })).toThrow(/disagrees/);
    const bad = Buffer.from(fragmentHandshake(msg, 128)[0]);
    bad.writeUIntBE(990, 6, 3); // offset 990 + 128 bytes > 1000
    expect(() => parseHandshakeFragments(bad)).toThrow(/exceeds message length/);
    expect(r2.add({ ...frags[0], messageSeq: 200 })).toEqual([]); // far ahead: ignored
  });
});

describe('ClientHello parsing', () => {
  const hello = { version: 0xfefd, random: Buffer.alloc(32, 9), sessionId: Buffer.alloc(0), cookie: Buffer.alloc(16, 1), cipherSuites: [0xc0a8], compressionMethods: Buffer.from([0]), extensions: [{ type: 23, data: Buffer.alloc(0) }] };

  it('round-trips and rejects every truncation (a hello may end before its optional extensions)', () => {
    const body = encodeClientHello(hello);
    expect(parseClientHello(body)).toEqual(hello);
    const withoutExtensions = body.length - 6;
    expect(parseClientHello(body.subarray(0, withoutExtensions)).extensions).toEqual([]);
    for (let n = 0; n < body.length; n++) if (n !== withoutExtensions) expect(() => parseClientHello(body.subarray(0, n))).toThrow();
  });

  it('rejects duplicate extensions, an odd cipher list and no compression method', () => {
    expect(() => parseClientHello(encodeClientHello({ ...hello, extensions: [hello.extensions[0], hello.extensions[0]] }))).toThrow(/twice/);
    expect(() => parseClientHello(encodeClientHello({ ...hello, compressionMethods: Buffer.alloc(0) }))).toThrow(/compression/);
    const body = encodeClientHello(hello);
    const odd = Buffer.concat([body.subarray(0, 2 + 32 + 1 + 17), Buffer.from([0, 3, 0xc0, 0xa8, 0]), body.subarray(2 + 32 + 1 + 17 + 4)]);
    expect(() => parseClientHello(odd)).toThrow();
  });
});
