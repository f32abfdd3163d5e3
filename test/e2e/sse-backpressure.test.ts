import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A raw HTTP client of /api/events whose reading the test controls. */
function sseClient(t: TestServer): Promise<{ socket: Socket; received: () => string }> {
  const { port } = new URL(t.server.httpUrl);
  const socket = connect(Number(port), '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => undefined);
  socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nAccept: text/event-stream\r\n\r\n`);
  return eventually(() => text.includes(': lwtwin events'), 'the event stream to open', 10_000, 5).then(() => ({ socket, received: () => text }));
}

async function metric(t: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

const BOUND = 64 * 1024;

describe('end to end: /api/events with a slow consumer', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;

  beforeAll(async () => {
    t = await startTestServer({ sseMaxBufferedBytes: BOUND });
    sim = startSimulator({ count: 5, server: t.coap, prefix: 'sse-', seed: 9, tickMs: 50, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('disconnects a client that stops reading, with a final event saying why, and keeps nothing of it', async () => {
    const listenersBefore = t.server.events.stats().listeners;
    const client = await sseClient(t);
    expect(t.server.events.stats().listeners).toBe(listenersBefore + 1);
    client.socket.pause(); // stops reading: the kernel buffers fill, then the server's
    // Devices notify (the simulator), and large events make the test short: at most 40 MB, stopping at the disconnect.
    const filler = 'x'.repeat(8 * 1024);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    for (let i = 0; i < 5000 && (await metric(t, 'lwtwin_sse_closed_total{reason="slow"}')) === 0; i++) {
      for (let k = 0; k < 20; k++) t.server.events.publish('test', { filler, i, k });
      await new Promise((r) => setTimeout(r, 10));
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    expect(await metric(t, 'lwtwin_sse_closed_total{reason="slow"}')).toBe(1);
    expect(t.server.events.stats().listeners).toBe(listenersBefore);
    client.socket.resume();
    await eventually(() => client.socket.readableEnded || client.socket.destroyed, 'the server to end the stream', 10_000);
    const text = client.received();
    const last = text.slice(text.lastIndexOf('event: '));
    expect(last).toMatch(/^event: disconnect\ndata: .*"reason":"slow-consumer"/);
    // What the server held for this client stayed near the bound (the heap also holds the in-flight event batches).
    expect(heapPeak - heapBefore).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);
});

describe('end to end: /api/events retains nothing after clients leave', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [], sseMaxBufferedBytes: BOUND });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('has the same heap after 150 connect / notify / disconnect cycles (fast and slow clients)', async () => {
    const cycle = async (i: number) => {
      const client = await sseClient(t);
      if (i % 2 === 1) client.socket.pause();
      // 20 events of 1 KB: within the bound for a reading client; a paused one holds them in its buffers.
      for (let k = 0; k < 20; k++) t.server.events.publish('test', { filler: 'y'.repeat(1024), i, k });
      await eventually(() => i % 2 === 1 || client.received().includes(`"i":${i},"k":19`), 'the events to arrive', 10_000, 5);
      client.socket.destroy();
      await eventually(() => t.server.events.stats().listeners === 0, 'the server to let go of the client', 10_000, 5);
    };
    for (let i = 0; i < 20; i++) await cycle(i);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 150; i++) await cycle(i);
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(t.server.events.stats().listeners).toBe(0);
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
