import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { OptionNumber } from '../../../protocol/coap/constants.ts';
import { blockOption, getObserve, uintOption } from '../../../protocol/coap/options.ts';
import { CoapType, type IncomingRequest, type IncomingResponse, type OutgoingRequest, type Peer } from '../../../protocol/coap/types.ts';
import { closeAfterEach, endpoint, RawPeer, sleep } from './udp-helpers.ts';

const track = closeAfterEach();

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A "device" endpoint whose /3/0/9 resource accepts observations and records the requests it saw. */
async function device() {
  const ep = await track(endpoint());
  const requests: IncomingRequest[] = [];
  ep.onRequest((req) => {
    requests.push(req);
    if (req.uriPath.join('/') !== '3/0/9') return { code: '4.04' };
    return { code: '2.05', contentFormat: 0, payload: Buffer.from('95') };
  });
  return { ep, requests };
}

describe('Observe (RFC 7641)', () => {
  it('registers, receives CON and NON notifications in order, and cancels actively with Observe=1', async () => {
    const server = await track(endpoint());
    const { ep: dev, requests } = await device();
    const seen: IncomingResponse[] = [];
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['3', '0', '9'], accept: 0 }, (n) => seen.push(n));
    expect(handle.first.code).toBe('2.05');
    expect(handle.first.payload.toString()).toBe('95');
    expect(handle.first.observe).toBe(0); // the device endpoint added Observe to its first response
    expect(requests[0].observe).toBe(0);
    expect(requests[0].token.equals(handle.token)).toBe(true);

    const from: Peer = server.localAddress;
    expect(await dev.notify(from, handle.token, { code: '2.05', contentFormat: 0, payload: Buffer.from('94') })).toBe('acked');
    expect(await dev.notify(from, handle.token, { code: '2.05', contentFormat: 0, payload: Buffer.from('93') }, { confirmable: false })).toBe('sent');
    expect(await dev.notify(from, handle.token, { code: '2.05', payload: Buffer.from('92'), observe: 1000 })).toBe('acked');
    await until(() => seen.length === 3);
    expect(seen.map((n) => n.payload.toString())).toEqual(['94', '93', '92']);
    expect(seen.map((n) => n.observe)).toEqual([1, 2, 1000]); // per-token counter unless given
    expect(seen.map((n) => n.message.type)).toEqual([CoapType.CON, CoapType.NON, CoapType.CON]);
    expect(seen.every((n) => n.token.equals(handle.token))).toBe(true);
    expect(seen[0].contentFormat).toBe(0);

    const cancelled = await handle.cancel();
    expect(cancelled?.code).toBe('2.05');
    expect(cancelled?.observe).toBeUndefined(); // a plain response: the observation is gone
    expect(requests[1].observe).toBe(1);
    expect(requests[1].token.equals(handle.token)).toBe(true);
    expect(requests[1].uriPath).toEqual(['3', '0', '9']);
    expect(requests[1].accept).toBe(0);
    // After the active cancel, a late notification is answered with RST.
    expect(await dev.notify(from, handle.token, { code: '2.05', payload: Buffer.from('91') })).toBe('reset');
    expect(seen).toHaveLength(3);
    expect(await handle.cancel()).toBeUndefined();
  });

  it('observations share one copy of their peer and of their request, dispatch by token to one handler, and release both when they end', async () => {
    const server = await track(endpoint());
    const devices = [await device(), await device()];
    const seen: IncomingResponse[] = [];
    const onNotify = (n: IncomingResponse) => seen.push(n); // one handler for every observation
    const req: OutgoingRequest = { method: 'GET', uriPath: ['3', '0', '9'], accept: 0 };
    const handles = [];
    for (const d of devices) handles.push(await server.observe(d.ep.localAddress, req, onNotify));
    handles.push(await server.observe(devices[0].ep.localAddress, { method: 'GET', uriPath: ['3', '0', '9'] }, onNotify)); // no Accept: another request
    expect(server.stats().observations).toBe(3);
    expect(server.stats().observationShared).toEqual({ peers: 2, requests: 2 });
    expect(handles[0].observation.tokenKey).toBe(handles[0].token.toString('latin1'));

    await devices[1].ep.notify(server.localAddress, handles[1].token, { code: '2.05', payload: Buffer.from('b') });
    await devices[0].ep.notify(server.localAddress, handles[2].token, { code: '2.05', payload: Buffer.from('c') });
    await until(() => seen.length === 2);
    expect(seen.map((n) => [n.payload.toString(), n.token.toString('hex'), n.peer.port])).toEqual([
      ['b', handles[1].token.toString('hex'), devices[1].ep.localAddress.port],
      ['c', handles[2].token.toString('hex'), devices[0].ep.localAddress.port],
    ]);

    handles[0].observation.forget();
    expect(server.stats().observationShared).toEqual({ peers: 2, requests: 2 });
    expect((await handles[1].observation.cancel())?.code).toBe('2.05');
    expect(devices[1].requests.at(-1)?.observe).toBe(1);
    expect(server.stats().observationShared).toEqual({ peers: 1, requests: 1 });
    handles[2].forget();
    expect(server.stats()).toMatchObject({ observations: 0, observationShared: { peers: 0, requests: 0 } });
  });

  it('passive cancel: forget() makes the next CON notification come back as reset', async () => {
    const server = await track(endpoint());
    const { ep: dev } = await device();
    const cancelledEvents: Buffer[] = [];
    dev.on('observationCancelled', (_peer: Peer, token: Buffer) => cancelledEvents.push(token));
    const seen: IncomingResponse[] = [];
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['3', '0', '9'] }, (n) => seen.push(n));
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: Buffer.from('1') })).toBe('acked');
    handle.forget();
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: Buffer.from('2') })).toBe('reset');
    expect(seen.map((n) => n.payload.toString())).toEqual(['1']);
    expect(cancelledEvents).toHaveLength(1);
    expect(cancelledEvents[0].equals(handle.token)).toBe(true);
  });

  it('passive cancel of a NON notification: the RST makes the next notify() report reset without sending', async () => {
    const server = await track(endpoint());
    const { ep: dev } = await device();
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['3', '0', '9'] }, () => {});
    handle.forget();
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: Buffer.from('x') }, { confirmable: false })).toBe('sent');
    await until(() => server.stats().sent >= 2); // the RST went out
    await sleep(20);
    const sentBefore = dev.stats().sent;
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: Buffer.from('y') }, { confirmable: false })).toBe('reset');
    expect(dev.stats().sent).toBe(sentBefore);
  });

  it('an error notification is delivered and ends the observation', async () => {
    const server = await track(endpoint());
    const { ep: dev } = await device();
    const seen: IncomingResponse[] = [];
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['3', '0', '9'] }, (n) => seen.push(n));
    expect(await dev.notify(server.localAddress, handle.token, { code: '4.04' })).toBe('acked');
    await until(() => seen.length === 1);
    expect(seen[0].code).toBe('4.04');
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: Buffer.from('late') })).toBe('reset');
    expect(seen).toHaveLength(1);
    expect(await handle.cancel()).toBeUndefined();
  });

  it('an error first response creates no observation', async () => {
    const server = await track(endpoint());
    const { ep: dev } = await device();
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['9', '9'] }, () => expect.unreachable());
    expect(handle.first.code).toBe('4.04');
    expect(handle.first.observe).toBeUndefined();
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05' })).toBe('reset');
  });

  it('observes with FETCH and a payload, and passes unknown-order notifications through unfiltered', async () => {
    const server = await track(endpoint());
    const dev = await track(endpoint());
    let fetched = '';
    dev.onRequest((req) => {
      fetched = `${req.method} ${req.payload.toString()} ${String(req.observe)}`;
      return { code: '2.05', contentFormat: 110, payload: Buffer.from('[]'), observe: 10 };
    });
    const seen: number[] = [];
    const handle = await server.observe(dev.localAddress, { method: 'FETCH', contentFormat: 110, payload: Buffer.from('[{"n":"/3/0/9"}]') }, (n) => seen.push(n.observe!));
    expect(fetched).toBe('FETCH [{"n":"/3/0/9"}] 0');
    expect(handle.first.observe).toBe(10);
    for (const seq of [12, 11, 13]) await dev.notify(server.localAddress, handle.token, { code: '2.05', observe: seq });
    expect(seen).toEqual([12, 11, 13]);
  });

  it('fetches the remaining blocks of a large notification before delivering it', async () => {
    const server = await track(endpoint());
    const dev = await track(endpoint({ blockSize: 64 }));
    const big = Buffer.from('x'.repeat(150) + 'END');
    let value = Buffer.from('small');
    let handlerCalls = 0;
    dev.onRequest(() => {
      handlerCalls++;
      return { code: '2.05', payload: value };
    });
    const seen: IncomingResponse[] = [];
    const handle = await server.observe(dev.localAddress, { method: 'GET', uriPath: ['3', '0'] }, (n) => seen.push(n));
    value = Buffer.from('changed meanwhile'); // the later blocks must come from the cached notification body
    expect(await dev.notify(server.localAddress, handle.token, { code: '2.05', payload: big })).toBe('acked');
    await until(() => seen.length === 1);
    expect(seen[0].payload.equals(big)).toBe(true);
    expect(seen[0].observe).toBe(1);
    expect(seen[0].token.equals(handle.token)).toBe(true);
    expect(handlerCalls).toBe(1);
  });

  it('a notification from a raw device: CON is ACKed, an unknown token gets RST, a large Observe value is kept', async () => {
    const server = await track(endpoint());
    const raw = await track(RawPeer.bind());
    const seen: IncomingResponse[] = [];
    const pending = server.observe(raw.address, { method: 'GET', uriPath: ['3', '0', '9'] }, (n) => seen.push(n));
    const reg = await raw.next();
    expect(getObserve(reg)).toBe(0);
    raw.send({ type: CoapType.ACK, code: 69, messageId: reg.messageId, token: reg.token, options: [uintOption(OptionNumber.OBSERVE, 5)], payload: Buffer.from('a') }, server.localAddress);
    const handle = await pending;
    raw.send({ type: CoapType.CON, code: 69, messageId: 300, token: reg.token, options: [uintOption(OptionNumber.OBSERVE, 0xffffff)], payload: Buffer.from('b') }, server.localAddress);
    expect(await raw.nextWhere((m) => m.messageId === 300)).toMatchObject({ type: CoapType.ACK, code: 0 });
    raw.send({ type: CoapType.NON, code: 69, messageId: 301, token: Buffer.from('nope'), options: [uintOption(OptionNumber.OBSERVE, 1)], payload: Buffer.from('c') }, server.localAddress);
    expect(await raw.next()).toMatchObject({ type: CoapType.RST, messageId: 301 });
    // A notification with Block2 whose continuation fails is dropped with a warning, not delivered half.
    raw.send({ type: CoapType.NON, code: 69, messageId: 302, token: reg.token, options: [uintOption(OptionNumber.OBSERVE, 7), blockOption(OptionNumber.BLOCK2, { num: 0, more: true, size: 16 })], payload: Buffer.alloc(16) }, server.localAddress);
    const cont = await raw.nextWhere((m) => m.code === 1 && m.messageId !== reg.messageId);
    expect(getObserve(cont)).toBeUndefined();
    raw.send({ type: CoapType.ACK, code: 160, messageId: cont.messageId, token: cont.token, options: [], payload: Buffer.alloc(0) }, server.localAddress);
    await until(() => server.warnings.some((w) => isProtocolError(w, 'COAP_BLOCK')));
    expect(seen.map((n) => [n.observe, n.payload.toString()])).toEqual([[0xffffff, 'b']]);
    expect(handle.first.observe).toBe(5);
  });
});
