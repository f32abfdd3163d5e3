import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import type { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import { encodeEmpty } from '../../../protocol/coap/message.ts';
import { getUriPath, stringOption } from '../../../protocol/coap/options.ts';
import { CoapType, type CoapMessage, type IncomingRequest } from '../../../protocol/coap/types.ts';
import { closeAfterEach, endpoint, RawPeer, rejection, sleep } from './udp-helpers.ts';

const track = closeAfterEach();

function echo(ep: CoapEndpoint, name: string): IncomingRequest[] {
  const seen: IncomingRequest[] = [];
  ep.onRequest((req) => {
    seen.push(req);
    return { code: '2.05', contentFormat: 0, payload: Buffer.from(`${name}:${req.method}:/${req.uriPath.join('/')}?${req.uriQuery.join('&')}:${req.payload.toString()}`) };
  });
  return seen;
}

describe('CoapEndpoint request/response over UDP', () => {
  it('answers CON and NON requests in both directions on the same sockets', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    const seenA = echo(a, 'A');
    const seenB = echo(b, 'B');

    const r1 = await a.request(b.localAddress, { method: 'POST', uriPath: ['rd'], uriQuery: ['ep=dev1', 'lt=300'], payload: Buffer.from('</3/0>') });
    expect(r1.code).toBe('2.05');
    expect(r1.contentFormat).toBe(0);
    expect(r1.payload.toString()).toBe('B:POST:/rd?ep=dev1&lt=300:</3/0>');
    expect(r1.message.type).toBe(CoapType.ACK); // piggybacked

    const r2 = await b.request(a.localAddress, { method: 'GET', uriPath: ['3', '0', '9'], confirmable: false });
    expect(r2.payload.toString()).toBe('A:GET:/3/0/9?:');
    expect(r2.message.type).toBe(CoapType.NON); // RFC 7252 §5.2.3: NON request, NON response

    const r3 = await a.request(b.localAddress, { method: 'PUT', uriPath: ['x'], confirmable: false, payload: Buffer.from('v') });
    expect(r3.payload.toString()).toBe('B:PUT:/x?:v');
    const r4 = await b.request(a.localAddress, { method: 'DELETE', uriPath: ['y'] });
    expect(r4.payload.toString()).toBe('A:DELETE:/y?:');

    // Requests came from the peer's bound port: one socket plays both roles.
    expect(seenB.map((r) => r.peer)).toEqual([a.localAddress, a.localAddress]);
    expect(seenA.map((r) => r.peer)).toEqual([b.localAddress, b.localAddress]);
    expect(seenB[0].confirmable).toBe(true);
    expect(seenB[1].confirmable).toBe(false);
    expect(a.stats().inFlight).toBe(0);
    expect(a.stats().sent).toBeGreaterThanOrEqual(2);
  });

  it('retransmits a CON whose first transmission was dropped', async () => {
    let dropped = 0;
    const a = await track(
      endpoint({
        params: { ackTimeoutMs: 20 },
        dropOutgoing: (msg) => {
          if (msg.type === CoapType.CON && msg.code === 1 && dropped < 2) {
            dropped++;
            return true;
          }
          return false;
        },
      }),
    );
    const b = await track(endpoint());
    const seen = echo(b, 'B');
    const res = await a.request(b.localAddress, { method: 'GET', uriPath: ['r'] });
    expect(res.code).toBe('2.05');
    expect(dropped).toBe(2);
    expect(seen).toHaveLength(1);
    expect(a.stats().retransmissions).toBeGreaterThanOrEqual(2);
  });

  it('answers a duplicate CON from the cache without running the handler again (lost ACK)', async () => {
    let acksDropped = 0;
    const b = await track(
      endpoint({
        dropOutgoing: (msg) => {
          if (msg.type === CoapType.ACK && acksDropped < 1) {
            acksDropped++;
            return true;
          }
          return false;
        },
      }),
    );
    const a = await track(endpoint({ params: { ackTimeoutMs: 20 } }));
    let calls = 0;
    b.onRequest(() => ({ code: '2.04', payload: Buffer.from(`call ${++calls}`) }));
    const res = await a.request(b.localAddress, { method: 'POST', uriPath: ['counter'] });
    expect(res.payload.toString()).toBe('call 1');
    expect(calls).toBe(1);
    expect(acksDropped).toBe(1);
    expect(a.stats().retransmissions).toBeGreaterThanOrEqual(1);
    expect(b.stats().dedupEntries).toBe(1);
  });

  it('ignores a duplicate CON while the handler is still running, then answers it from the cache', async () => {
    const b = await track(endpoint({ separateResponseDelayMs: 10_000 }));
    const raw = await track(RawPeer.bind());
    let calls = 0;
    b.onRequest(async () => {
      calls++;
      await sleep(80);
      return { code: '2.05', payload: Buffer.from('slow') };
    });
    const req: CoapMessage = { type: CoapType.CON, code: 1, messageId: 77, token: Buffer.from('t1'), options: [stringOption(11, 's')], payload: Buffer.alloc(0) };
    raw.send(req, b.localAddress);
    await sleep(20);
    raw.send(req, b.localAddress); // duplicate while running: ignored
    const first = await raw.next();
    expect(first).toMatchObject({ type: CoapType.ACK, code: 69, messageId: 77 }); // not an empty ACK: the handler was quick enough
    expect(await raw.silentFor(60)).toBe(true);
    raw.send(req, b.localAddress); // duplicate after the answer: the cached ACK again
    const again = await raw.next();
    expect(again).toMatchObject({ type: CoapType.ACK, code: 69, messageId: 77 });
    expect(again.payload.toString()).toBe('slow');
    expect(calls).toBe(1);
  });

  it('treats a reused message id with a different token as a new message, not a duplicate', async () => {
    const b = await track(endpoint());
    const raw = await track(RawPeer.bind());
    let calls = 0;
    b.onRequest(() => ({ code: '2.05', payload: Buffer.from(String(++calls)) }));
    const req = (token: string): CoapMessage => ({ type: CoapType.CON, code: 1, messageId: 9, token: Buffer.from(token), options: [], payload: Buffer.alloc(0) });
    raw.send(req('aa'), b.localAddress);
    expect((await raw.next()).payload.toString()).toBe('1');
    raw.send(req('aa'), b.localAddress); // a true retransmission: cached
    expect((await raw.next()).payload.toString()).toBe('1');
    raw.send(req('bb'), b.localAddress); // same id, other token: a peer wrapping its ids too fast
    const fresh = await raw.next();
    expect(fresh.payload.toString()).toBe('2');
    expect(fresh.token.toString()).toBe('bb');
    expect(calls).toBe(2);
  });

  it('sends an empty ACK and then a separate CON response when the handler is slow', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint({ separateResponseDelayMs: 15 }));
    const sentByB: CoapMessage[] = [];
    const b2 = await track(endpoint({ separateResponseDelayMs: 15, dropOutgoing: (m) => (sentByB.push(m), false) }));
    b.onRequest(async () => {
      await sleep(100);
      return { code: '2.05', payload: Buffer.from('late') };
    });
    b2.onRequest(async () => {
      await sleep(100);
      return { code: '2.05', payload: Buffer.from('late2') };
    });
    const res = await a.request(b.localAddress, { method: 'GET', uriPath: ['slow'] });
    expect(res.payload.toString()).toBe('late');
    expect(res.message.type).toBe(CoapType.CON);

    const res2 = await a.request(b2.localAddress, { method: 'GET', uriPath: ['slow'] });
    expect(res2.payload.toString()).toBe('late2');
    expect(sentByB.map((m) => [m.type, m.code])).toEqual([
      [CoapType.ACK, 0],
      [CoapType.CON, 69],
    ]);
    await sleep(30);
    expect(b2.stats().inFlight).toBe(0); // our ACK of the separate response arrived
    expect(b2.stats().retransmissions).toBe(0);
  });

  it('recovers when the empty ACK and the first separate response are both lost', async () => {
    const a = await track(endpoint({ params: { ackTimeoutMs: 20 } }));
    const dropped: string[] = [];
    const b = await track(
      endpoint({
        params: { ackTimeoutMs: 20 },
        separateResponseDelayMs: 5,
        dropOutgoing: (m) => {
          const kind = m.code === 0 ? 'empty-ack' : 'separate';
          if (dropped.includes(kind)) return false;
          dropped.push(kind);
          return true;
        },
      }),
    );
    let calls = 0;
    b.onRequest(async () => {
      calls++;
      await sleep(150);
      return { code: '2.05', payload: Buffer.from('eventually') };
    });
    const res = await a.request(b.localAddress, { method: 'GET', uriPath: ['slow'] });
    expect(res.payload.toString()).toBe('eventually');
    expect(dropped).toEqual(['empty-ack', 'separate']);
    expect(calls).toBe(1); // the retransmitted request got the cached empty ACK, not a second handler run
    expect(a.stats().retransmissions).toBeGreaterThanOrEqual(1); // the request, after its empty ACK was lost
    expect(b.stats().retransmissions).toBeGreaterThanOrEqual(1); // the separate response
  });

  it('turns a throwing or rejecting handler into 5.00 and keeps serving', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    let n = 0;
    b.onRequest((req) => {
      n++;
      if (req.uriPath[0] === 'sync') throw new Error('boom');
      if (req.uriPath[0] === 'async') return Promise.reject(new Error('later boom'));
      if (req.uriPath[0] === 'bad') return { code: '9.99' as '2.05' };
      return { code: '2.05' };
    });
    expect((await a.request(b.localAddress, { method: 'GET', uriPath: ['sync'] })).code).toBe('5.00');
    expect((await a.request(b.localAddress, { method: 'GET', uriPath: ['async'] })).code).toBe('5.00');
    expect((await a.request(b.localAddress, { method: 'GET', uriPath: ['bad'] })).code).toBe('5.00');
    expect((await a.request(b.localAddress, { method: 'GET', uriPath: ['ok'] })).code).toBe('2.05');
    expect(n).toBe(4);
    expect(b.warnings.length).toBe(3);
  });

  it('answers 4.02 to a CON with an unknown critical option without calling the handler, drops such a NON', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    const seen = echo(b, 'B');
    const res = await a.request(b.localAddress, { method: 'GET', uriPath: ['x'], options: [{ number: 9, value: Buffer.from([1]) }] });
    expect(res.code).toBe('4.02');
    expect(seen).toHaveLength(0);
    const elective = await a.request(b.localAddress, { method: 'GET', uriPath: ['x'], options: [{ number: 2050, value: Buffer.from([1]) }] });
    expect(elective.code).toBe('2.05');
    const err = await rejection(a.request(b.localAddress, { method: 'GET', uriPath: ['x'], confirmable: false, options: [{ number: 9, value: Buffer.alloc(0) }] }, { timeoutMs: 150 }));
    expect(isProtocolError(err, 'COAP_TIMEOUT')).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('answers 4.05 to an unknown method code and RST to a CoAP ping', async () => {
    const b = await track(endpoint());
    echo(b, 'B');
    const raw = await track(RawPeer.bind());
    raw.send({ type: CoapType.CON, code: 0x1f, messageId: 5, token: Buffer.from([1]), options: [], payload: Buffer.alloc(0) }, b.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.ACK, code: 133, messageId: 5 });
    raw.sendRaw(encodeEmpty(CoapType.CON, 6), b.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, code: 0, messageId: 6 });
  });

  it('rejects with COAP_RESET when the peer answers RST', async () => {
    const a = await track(endpoint());
    const raw = await track(RawPeer.bind());
    const pending = a.request(raw.address, { method: 'GET', uriPath: ['x'] });
    const req = await raw.next();
    raw.sendRaw(encodeEmpty(CoapType.RST, req.messageId), a.localAddress);
    const err = await rejection(pending);
    expect(isProtocolError(err, 'COAP_RESET')).toBe(true);
    expect(a.stats().inFlight).toBe(0);
  });

  it('accepts a separate response from a raw peer and ACKs it', async () => {
    const a = await track(endpoint({ params: { ackTimeoutMs: 20 } }));
    const raw = await track(RawPeer.bind());
    const pending = a.request(raw.address, { method: 'GET', uriPath: ['x'] });
    const req = await raw.next();
    const received = a.stats().received;
    raw.sendRaw(encodeEmpty(CoapType.ACK, req.messageId), a.localAddress);
    while (a.stats().received === received) await sleep(1); // the empty ACK has been processed
    const retransmissions = a.stats().retransmissions;
    await sleep(150); // well past several ACK timeouts: no retransmission after the empty ACK
    expect(a.stats().retransmissions).toBe(retransmissions);
    raw.send({ type: CoapType.CON, code: 69, messageId: 999, token: req.token, options: [], payload: Buffer.from('sep') }, a.localAddress);
    const res = await pending;
    expect(res.payload.toString()).toBe('sep');
    const isAck = (mid: number) => (m: CoapMessage) => m.type === CoapType.ACK && m.messageId === mid;
    expect(await raw.nextWhere(isAck(999))).toMatchObject({ code: 0 });
    // The same separate response again (our ACK was "lost"): ACKed again, not RST.
    raw.send({ type: CoapType.CON, code: 69, messageId: 999, token: req.token, options: [], payload: Buffer.from('sep') }, a.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.ACK, code: 0, messageId: 999 });
    // A response for a token nobody waits for gets an RST.
    raw.send({ type: CoapType.CON, code: 69, messageId: 1000, token: Buffer.from('zz'), options: [], payload: Buffer.alloc(0) }, a.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, messageId: 1000 });
  });

  it('times out with COAP_TIMEOUT after MAX_RETRANSMIT retransmissions, or at the request deadline', async () => {
    const a = await track(endpoint({ params: { ackTimeoutMs: 10, maxRetransmit: 2, requestTimeoutMs: 5000 } }));
    const raw = await track(RawPeer.bind());
    const t0 = Date.now();
    const err = await rejection(a.request(raw.address, { method: 'GET', uriPath: ['silent'] }));
    expect(isProtocolError(err, 'COAP_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/2 retransmissions/);
    // 10 + 20 + 40 ms at least, 1.5x that at most, plus timer slack.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(65);
    expect(Date.now() - t0).toBeLessThan(1000);
    let datagrams = 0;
    while (!(await raw.silentFor(5))) datagrams++;
    expect(datagrams).toBe(3);

    const t1 = Date.now();
    const err2 = await rejection(a.request(raw.address, { method: 'GET', uriPath: ['silent'], confirmable: false }, { timeoutMs: 60 }));
    expect(isProtocolError(err2, 'COAP_TIMEOUT')).toBe(true);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(55);
    expect(a.stats().inFlight).toBe(0);
  });

  it('rejects at once with COAP_OVERLOAD when maxInFlight requests are pending', async () => {
    const a = await track(endpoint({ maxInFlight: 3 }));
    const raw = await track(RawPeer.bind());
    const settled: string[] = [];
    const pending = [0, 1, 2].map((i) =>
      a.request(raw.address, { method: 'GET', uriPath: ['x'] }, { timeoutMs: 300 }).catch((e: unknown) => {
        settled.push(`pending ${i}`);
        return e;
      }),
    );
    expect(a.stats().inFlight).toBe(3);
    const err = await rejection(a.request(raw.address, { method: 'GET', uriPath: ['x'] }));
    settled.push('overload');
    expect(isProtocolError(err, 'COAP_OVERLOAD')).toBe(true);
    for (const e of await Promise.all(pending)) expect(isProtocolError(e, 'COAP_TIMEOUT')).toBe(true);
    expect(settled[0]).toBe('overload'); // not after waiting for a slot
    expect(a.stats().inFlight).toBe(0);
    // Room again once they are gone.
    const again = await rejection(a.request(raw.address, { method: 'GET' }, { timeoutMs: 20 }));
    expect(isProtocolError(again, 'COAP_TIMEOUT')).toBe(true);
  });

  it('close() rejects pending requests with COAP_CLOSED and later calls at once', async () => {
    const a = await endpoint();
    const raw = await track(RawPeer.bind());
    const p1 = a.request(raw.address, { method: 'GET', uriPath: ['x'] });
    const p2 = a.request(raw.address, { method: 'GET', uriPath: ['y'], confirmable: false });
    await raw.next();
    await a.close();
    for (const err of [await rejection(p1), await rejection(p2), await rejection(a.request(raw.address, { method: 'GET' }))]) {
      expect(isProtocolError(err, 'COAP_CLOSED')).toBe(true);
    }
    expect(a.stats().inFlight).toBe(0);
    await a.close(); // idempotent
  });

  it('rejects invalid requests with COAP_OPTION_INVALID instead of throwing', async () => {
    const a = await track(endpoint());
    const bad = [
      a.request({ address: '127.0.0.1', port: 0 }, { method: 'GET' }),
      a.request(a.localAddress, { method: 'BREW' as 'GET' }),
      a.request(a.localAddress, { method: 'GET', uriPath: ['x'.repeat(256)] }),
      a.request(a.localAddress, { method: 'GET', token: Buffer.alloc(9) }),
      a.request(a.localAddress, { method: 'GET', contentFormat: 70000 }),
    ];
    for (const p of bad) expect(isProtocolError(await rejection(p), 'COAP_OPTION_INVALID')).toBe(true);
  });

  it('delivers Uri-Path segments with slashes and unicode intact', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    let got: string[] = [];
    b.onRequest((req) => {
      got = getUriPath(req.message);
      return { code: '2.04' };
    });
    await a.request(b.localAddress, { method: 'POST', uriPath: ['a/b', 'ü', ''] });
    expect(got).toEqual(['a/b', 'ü', '']);
  });
});
