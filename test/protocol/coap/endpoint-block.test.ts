import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { OptionNumber } from '../../../protocol/coap/constants.ts';
import { blockOption, getBlock1, getBlock2, getSize1, getSize2, stringOption, uintOption } from '../../../protocol/coap/options.ts';
import { CoapType, type CoapMessage } from '../../../protocol/coap/types.ts';
import { closeAfterEach, endpoint, RawPeer, rejection } from './udp-helpers.ts';

const track = closeAfterEach();

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('Block-wise transfer (RFC 7959)', () => {
  it('uploads 64 KB with Block1 and downloads 64 KB with Block2, byte for byte', async () => {
    const up = pattern(64 * 1024, 1);
    const down = pattern(64 * 1024, 2);
    const sentByClient: CoapMessage[] = [];
    const a = await track(endpoint({ dropOutgoing: (m) => (sentByClient.push(m), false) }));
    const b = await track(endpoint());
    let received: Buffer | undefined;
    let calls = 0;
    b.onRequest((req) => {
      calls++;
      if (req.method === 'PUT') {
        received = req.payload;
        return { code: '2.04' };
      }
      return { code: '2.05', contentFormat: 42, payload: down };
    });

    const put = await a.request(b.localAddress, { method: 'PUT', uriPath: ['5', '0', '0'], contentFormat: 42, payload: up });
    expect(put.code).toBe('2.04');
    expect(received?.equals(up)).toBe(true);
    expect(calls).toBe(1); // the handler saw the reassembled body once
    const blocks = [...new Map(sentByClient.filter((m) => m.code === 3).map((m) => [m.messageId, m])).values()]; // without retransmissions
    expect(blocks).toHaveLength(64);
    expect(getBlock1(blocks[0])).toEqual({ num: 0, more: true, size: 1024 });
    expect(getSize1(blocks[0])).toBe(65536);
    expect(getBlock1(blocks[63])).toEqual({ num: 63, more: false, size: 1024 });
    expect(getBlock1(put.message)).toEqual({ num: 63, more: false, size: 1024 });

    const get = await a.request(b.localAddress, { method: 'GET', uriPath: ['big'] });
    expect(get.code).toBe('2.05');
    expect(get.contentFormat).toBe(42);
    expect(get.payload.length).toBe(down.length);
    expect(get.payload.equals(down)).toBe(true);
    expect(getSize2(get.message)).toBe(65536);
    expect(calls).toBe(2); // blocks 1..63 came from the cache, not the handler
    expect(sentByClient.filter((m) => m.code === 1)).toHaveLength(64);
  });

  it('the server side also uploads and downloads large bodies to a client endpoint (roles swapped)', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    const body = pattern(5000, 3);
    a.onRequest((req) => ({ code: '2.04', payload: Buffer.from(req.payload.subarray(0, 10).toString('hex')) }));
    const res = await b.request(a.localAddress, { method: 'POST', uriPath: ['x'], payload: body });
    expect(res.payload.toString()).toBe(body.subarray(0, 10).toString('hex'));
  });

  it('follows a smaller block size the server asks for, and early-negotiates its own', async () => {
    const up = pattern(10_000, 4);
    const down = pattern(3000, 5);
    const sentByClient: CoapMessage[] = [];
    const a = await track(endpoint({ dropOutgoing: (m) => (sentByClient.push(m), false) }));
    const b = await track(endpoint({ blockSize: 256 }));
    let received: Buffer | undefined;
    b.onRequest((req) => {
      if (req.method === 'POST') received = req.payload;
      return { code: '2.05', payload: down };
    });
    const res = await a.request(b.localAddress, { method: 'POST', uriPath: ['up'], payload: up });
    expect(received?.equals(up)).toBe(true);
    const sizes = sentByClient.map((m) => getBlock1(m)).filter((v) => v !== undefined);
    expect(sizes[0]).toEqual({ num: 0, more: true, size: 1024 });
    expect(sizes[1]).toEqual({ num: 4, more: true, size: 256 }); // 1024 bytes in, counted in 256-byte blocks now
    expect(sizes.at(-1)).toEqual({ num: Math.floor(9999 / 256), more: false, size: 256 });
    // The response came back in the server's 256-byte blocks and was reassembled.
    expect(res.payload.equals(down)).toBe(true);

    const small = await track(endpoint({ blockSize: 64 }));
    const got = await small.request(b.localAddress, { method: 'GET', uriPath: ['d'] });
    expect(got.payload.equals(down)).toBe(true);
  });

  it('answers 4.13 with Size1 above maxBlockBodyBytes, and 4.08 for a block without its predecessors', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint({ maxBlockBodyBytes: 4096 }));
    b.onRequest(() => ({ code: '2.04' }));
    const tooBig = await a.request(b.localAddress, { method: 'PUT', uriPath: ['x'], payload: pattern(8192, 6) });
    expect(tooBig.code).toBe('4.13');
    expect(getSize1(tooBig.message)).toBe(4096);

    const raw = await track(RawPeer.bind());
    const block = (num: number, more: boolean, mid: number): CoapMessage => ({
      type: CoapType.CON,
      code: 3,
      messageId: mid,
      token: Buffer.from([mid]),
      options: [stringOption(11, 'y'), blockOption(OptionNumber.BLOCK1, { num, more, size: 16 })],
      payload: Buffer.alloc(16, num),
    });
    raw.send(block(3, true, 1), b.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.ACK, code: 136, messageId: 1 }); // 4.08
    raw.send(block(0, true, 2), b.localAddress);
    const cont = await raw.next();
    expect(cont).toMatchObject({ code: 95, messageId: 2 }); // 2.31
    expect(getBlock1(cont)).toEqual({ num: 0, more: true, size: 16 });
    raw.send(block(2, true, 3), b.localAddress); // skips block 1
    expect(await raw.next()).toMatchObject({ code: 136, messageId: 3 });
    // Without Size1, the limit is hit while reassembling: 256 blocks of 16 bytes fill 4096, one more is too much.
    for (let i = 0; i < 256; i++) {
      raw.send(block(i, true, 10 + i), b.localAddress);
      expect((await raw.next()).code).toBe(95);
    }
    raw.send(block(256, false, 600), b.localAddress);
    const over = await raw.next();
    expect(over.code).toBe(141); // 4.13
    expect(getSize1(over)).toBe(4096);
  });

  it('fails with COAP_BLOCK when the server changes the block size or skips a block', async () => {
    const a = await track(endpoint());
    const raw = await track(RawPeer.bind());
    const serve = async (second: { num: number; size: number }): Promise<unknown> => {
      const pending = a.request(raw.address, { method: 'GET', uriPath: ['r'] });
      const q0 = await raw.next();
      raw.send({ type: CoapType.ACK, code: 69, messageId: q0.messageId, token: q0.token, options: [blockOption(OptionNumber.BLOCK2, { num: 0, more: true, size: 32 })], payload: Buffer.alloc(32, 1) }, a.localAddress);
      const q1 = await raw.nextWhere((m) => m.messageId !== q0.messageId);
      expect(getBlock2(q1)).toEqual({ num: 1, more: false, size: 32 });
      expect(q1.token.equals(q0.token)).toBe(false); // continuations use fresh tokens
      raw.send({ type: CoapType.ACK, code: 69, messageId: q1.messageId, token: q1.token, options: [blockOption(OptionNumber.BLOCK2, { ...second, more: false })], payload: Buffer.alloc(8, 2) }, a.localAddress);
      return rejection(pending);
    };
    const sizeChange = await serve({ num: 1, size: 64 });
    expect(isProtocolError(sizeChange, 'COAP_BLOCK')).toBe(true);
    const skipped = await serve({ num: 2, size: 32 });
    expect(isProtocolError(skipped, 'COAP_BLOCK')).toBe(true);
    expect(a.stats().inFlight).toBe(0);
  });

  it('fails with COAP_BLOCK when a continuation is answered with an error', async () => {
    const a = await track(endpoint());
    const raw = await track(RawPeer.bind());
    const pending = a.request(raw.address, { method: 'GET', uriPath: ['r'] });
    const q0 = await raw.next();
    raw.send({ type: CoapType.ACK, code: 69, messageId: q0.messageId, token: q0.token, options: [blockOption(OptionNumber.BLOCK2, { num: 0, more: true, size: 16 })], payload: Buffer.alloc(16) }, a.localAddress);
    const q1 = await raw.nextWhere((m) => m.messageId !== q0.messageId);
    raw.send({ type: CoapType.ACK, code: 132, messageId: q1.messageId, token: q1.token, options: [], payload: Buffer.alloc(0) }, a.localAddress);
    const err = await rejection(pending);
    expect(isProtocolError(err, 'COAP_BLOCK')).toBe(true);
    expect((err as Error).message).toMatch(/4\.04/);
  });

  it('serves later blocks by re-running the handler when the cache has no body', async () => {
    const b = await track(endpoint({ blockSize: 16 }));
    const raw = await track(RawPeer.bind());
    let calls = 0;
    b.onRequest(() => {
      calls++;
      return { code: '2.05', payload: Buffer.from('0123456789abcdefGHIJKLMNOPQRSTUVwxyz') };
    });
    raw.send({ type: CoapType.CON, code: 1, messageId: 1, token: Buffer.from([1]), options: [stringOption(11, 'z'), blockOption(OptionNumber.BLOCK2, { num: 2, more: false, size: 16 })], payload: Buffer.alloc(0) }, b.localAddress);
    const r = await raw.next();
    expect(r.payload.toString()).toBe('wxyz');
    expect(getBlock2(r)).toEqual({ num: 2, more: false, size: 16 });
    expect(calls).toBe(1);
    raw.send({ type: CoapType.CON, code: 1, messageId: 2, token: Buffer.from([2]), options: [stringOption(11, 'z'), blockOption(OptionNumber.BLOCK2, { num: 9, more: false, size: 16 })], payload: Buffer.alloc(0) }, b.localAddress);
    expect((await raw.next()).code).toBe(130); // 4.02: past the end
    raw.send({ type: CoapType.CON, code: 1, messageId: 3, token: Buffer.from([3]), options: [stringOption(11, 'z'), { number: OptionNumber.BLOCK2, value: Buffer.from([0x07]) }], payload: Buffer.alloc(0) }, b.localAddress);
    expect((await raw.next()).code).toBe(128); // 4.00: SZX 7 is reserved
    raw.send({ type: CoapType.CON, code: 1, messageId: 4, token: Buffer.from([4]), options: [stringOption(11, 'z'), uintOption(OptionNumber.PROXY_URI, 1)], payload: Buffer.alloc(0) }, b.localAddress);
    expect((await raw.next()).code).toBe(165); // 5.05: no proxy here
  });
});
