import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { OptionNumber } from '../../../protocol/coap/constants.ts';
import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import { encodeEmpty, encodeMessage } from '../../../protocol/coap/message.ts';
import { blockOption, stringOption } from '../../../protocol/coap/options.ts';
import { sharedTimerWheel } from '../../../protocol/coap/timer-wheel.ts';
import { CoapType } from '../../../protocol/coap/types.ts';
import { closeAfterEach, endpoint, RawPeer, rejection, sleep } from './udp-helpers.ts';

const track = closeAfterEach();

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('CoapEndpoint robustness', () => {
  it('survives malformed datagrams: a CON with a format error gets RST, others are dropped, all are counted', async () => {
    const b = await track(CoapEndpoint.bind()); // no 'warning' or 'error' listener at all: must not crash
    b.onRequest(() => ({ code: '2.05', payload: Buffer.from('alive') }));
    const raw = await track(RawPeer.bind());

    raw.sendRaw(hex('4f01 1234 00'), b.localAddress); // CON, token length 15
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, code: 0, messageId: 0x1234 });
    raw.sendRaw(hex('4001 2345 ff'), b.localAddress); // CON, payload marker without payload
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, messageId: 0x2345 });
    raw.sendRaw(hex('4001 3456 f1'), b.localAddress); // CON, reserved delta nibble
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, messageId: 0x3456 });

    const silent = [
      hex(''),
      hex('40'),
      hex('5f01 0001'), // NON with token length 15
      hex('6001 0002 ff'), // ACK with a bad payload marker
      hex('0001 0003'), // version 0
      hex('5000 0004'), // empty NON (§4.3)
      hex('6001 0005 b161'), // ACK carrying a request
      hex('7045 0006 ff61'), // non-empty RST
    ];
    for (const d of silent) raw.sendRaw(d, b.localAddress);
    expect(await raw.silentFor(100)).toBe(true);

    raw.sendRaw(hex('4020 0007'), b.localAddress); // CON with reserved class 1.00 → RST
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, messageId: 7 });

    // Noise flood: random bytes, then the endpoint still serves.
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.alloc(1 + (i % 40));
      for (let k = 0; k < junk.length; k++) junk[k] = (i * 31 + k * 17) & 0xff;
      if (junk[0] >> 6 === 1 && ((junk[0] >> 4) & 3) === 0) junk[0] |= 0x10; // keep them non-CON: no RST storm
      raw.sendRaw(junk, b.localAddress);
    }
    await sleep(200);
    const a = await track(endpoint());
    expect((await a.request(b.localAddress, { method: 'GET', uriPath: ['x'] })).payload.toString()).toBe('alive');
    expect(b.stats().malformed).toBeGreaterThanOrEqual(3 + 6 + 1);
  });

  it("reports problems as 'warning', and as 'error' only to an attached 'error' listener", async () => {
    const b = await track(endpoint());
    const errors: unknown[] = [];
    b.on('error', (e) => errors.push(e));
    const raw = await track(RawPeer.bind());
    raw.sendRaw(hex('5f01 0001'), b.localAddress);
    await sleep(50);
    expect(b.warnings).toHaveLength(1);
    expect(isProtocolError(b.warnings[0], 'COAP_MALFORMED')).toBe(true);
    expect(errors).toEqual(b.warnings);
  });

  it('rejects a response carrying an unknown critical option', async () => {
    const a = await track(endpoint());
    const raw = await track(RawPeer.bind());
    const p1 = a.request(raw.address, { method: 'GET' });
    const q1 = await raw.next();
    raw.send({ type: CoapType.ACK, code: 69, messageId: q1.messageId, token: q1.token, options: [{ number: 9, value: Buffer.alloc(0) }], payload: Buffer.alloc(0) }, a.localAddress);
    expect(isProtocolError(await rejection(p1), 'COAP_UNKNOWN_CRITICAL_OPTION')).toBe(true);

    const p2 = rejection(a.request(raw.address, { method: 'GET' }));
    const q2 = await raw.nextWhere((m) => m.messageId !== q1.messageId);
    raw.sendRaw(encodeEmpty(CoapType.ACK, q2.messageId), a.localAddress);
    raw.send({ type: CoapType.CON, code: 69, messageId: 4242, token: q2.token, options: [{ number: 2049, value: Buffer.alloc(0) }], payload: Buffer.alloc(0) }, a.localAddress);
    expect(await raw.nextWhere((m) => m.messageId === 4242)).toMatchObject({ type: CoapType.RST });
    expect(isProtocolError(await p2, 'COAP_UNKNOWN_CRITICAL_OPTION')).toBe(true);
  });

  it('bounds the deduplication cache, dropping the oldest records first', async () => {
    const b = await track(endpoint({ maxDedupEntries: 100 }));
    let calls = 0;
    b.onRequest(() => ({ code: '2.05', payload: Buffer.from(String(++calls)) }));
    const raw = await track(RawPeer.bind());
    for (let batch = 0; batch < 300; batch += 50) {
      // Batches of 50, so the loopback socket buffers never overflow.
      for (let mid = batch; mid < batch + 50; mid++) {
        raw.send({ type: CoapType.NON, code: 1, messageId: mid, token: Buffer.from([1]), options: [], payload: Buffer.alloc(0) }, b.localAddress);
      }
      for (let i = 0; i < 50; i++) await raw.next();
    }
    expect(calls).toBe(300);
    expect(b.stats().dedupEntries).toBeLessThanOrEqual(100);
    // A recent duplicate is still recognized; the oldest have been forgotten.
    raw.send({ type: CoapType.NON, code: 1, messageId: 299, token: Buffer.from([1]), options: [], payload: Buffer.alloc(0) }, b.localAddress);
    expect(await raw.silentFor(50)).toBe(true);
    raw.send({ type: CoapType.NON, code: 1, messageId: 0, token: Buffer.from([1]), options: [], payload: Buffer.alloc(0) }, b.localAddress);
    expect((await raw.next()).payload.toString()).toBe('301');
  });

  it('bounds Block1 reassembly state and observations', async () => {
    const b = await track(endpoint({ maxBlockTransfers: 4, maxObservations: 2 }));
    b.onRequest((req) => ({ code: '2.04', payload: Buffer.from(String(req.payload.length)) }));
    const raw = await track(RawPeer.bind());
    // Start 10 uploads on different URIs; only the 4 most recent survive.
    for (let i = 0; i < 10; i++) {
      raw.send({ type: CoapType.CON, code: 3, messageId: i, token: Buffer.from([i]), options: [stringOption(11, `u${i}`), blockOption(OptionNumber.BLOCK1, { num: 0, more: true, size: 16 })], payload: Buffer.alloc(16) }, b.localAddress);
      expect((await raw.next()).code).toBe(95);
    }
    const finish = async (i: number, mid: number): Promise<number> => {
      raw.send({ type: CoapType.CON, code: 3, messageId: mid, token: Buffer.from([mid]), options: [stringOption(11, `u${i}`), blockOption(OptionNumber.BLOCK1, { num: 1, more: false, size: 16 })], payload: Buffer.alloc(5) }, b.localAddress);
      return (await raw.next()).code;
    };
    expect(await finish(0, 100)).toBe(136); // evicted: 4.08
    expect(await finish(9, 101)).toBe(68); // 2.04

    const a = await track(endpoint({ maxObservations: 2 }));
    b.onRequest(() => ({ code: '2.05' }));
    await a.observe(b.localAddress, { method: 'GET', uriPath: ['1'] }, () => {});
    await a.observe(b.localAddress, { method: 'GET', uriPath: ['2'] }, () => {});
    expect(isProtocolError(await rejection(a.observe(b.localAddress, { method: 'GET', uriPath: ['3'] }, () => {})), 'COAP_OBSERVATION_LIMIT')).toBe(true);
  });

  it('an idle endpoint runs no timers', async () => {
    const a = await track(endpoint());
    const b = await track(endpoint());
    b.onRequest(() => ({ code: '2.05' }));
    await a.request(b.localAddress, { method: 'GET' });
    await b.request(a.localAddress, { method: 'GET', confirmable: false }).catch(() => undefined);
    await sleep(20);
    expect(a.stats().inFlight).toBe(0);
    expect(b.stats().inFlight).toBe(0);
    expect(sharedTimerWheel.size).toBe(0);
    expect(sharedTimerWheel.running).toBe(false);
  });

  it('rejects invalid notifications and endpoint options with ProtocolError', async () => {
    const a = await track(endpoint());
    const bad = [
      a.notify(a.localAddress, Buffer.alloc(9), { code: '2.05' }),
      a.notify(a.localAddress, Buffer.from([1]), { code: '0.01' as '2.05' }),
      a.notify({ address: '', port: 5683 }, Buffer.from([1]), { code: '2.05' }),
    ];
    for (const p of bad) expect(isProtocolError(await rejection(p))).toBe(true);
    for (const opts of [{ blockSize: 100 }, { maxInFlight: 0 }, { port: 70000 }, { params: { ackTimeoutMs: -1 } }]) {
      expect(isProtocolError(await rejection(CoapEndpoint.bind(opts)), 'COAP_OPTION_INVALID')).toBe(true);
    }
    expect(encodeMessage({ type: CoapType.CON, code: 0, messageId: 1, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }).length).toBe(4);
  });
});
