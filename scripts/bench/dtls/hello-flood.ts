/**
 * A ClientHello flood for the `dtls` benchmark scenario, run in a forked child: `sources` distinct loopback addresses
 * (127.x.y.z, one short-lived UDP socket each, at most `concurrency` open at once) each send a ClientHello, take the
 * HelloVerifyRequest's cookie (RFC 6347 §4.2.1) and, with `echoCookie`, send the ClientHello again with it, then go
 * away without finishing. A spoofing attacker never sees the cookie and costs the server only a stateless
 * HelloVerifyRequest; a source that answers is the worst case, since the server then opens a handshake (half-open
 * state) that only its caps and timeout bound. The flood offers only TLS_PSK_WITH_AES_128_CCM_8: the server answers
 * with ServerHello + ServerHelloDone and does no public-key operation for it.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { Peer } from '../../../protocol/coap/types.ts';
import { ContentType, DTLS_1_0, DTLS_1_2, ExtensionType, HandshakeType } from '../../../protocol/dtls/constants.ts';
import { encodeHandshake, parseHandshakeFragments } from '../../../protocol/dtls/handshake.ts';
import { type ClientHello, encodeClientHello, parseHelloVerifyRequest } from '../../../protocol/dtls/messages.ts';
import { encodeRecord, parseRecords } from '../../../protocol/dtls/record.ts';
import { bindUdpSocket } from '../../../protocol/udp-socket.ts';
import { loopbackAddress } from '../fleet/virtual-fleet.ts';
import { PSK_CCM8 } from './handshake-load.ts';

export interface HelloFloodOptions {
  server: Peer;
  /** Distinct source addresses, `loopbackAddress(firstSocket + s)` for s < sources. */
  sources: number;
  firstSocket: number;
  /** Sockets open at once. */
  concurrency: number;
  durationMs: number;
  /** Answer the HelloVerifyRequest with the cookie (opens a handshake on the server). */
  echoCookie: boolean;
  /** How long a source waits for each answer, ms. @defaultValue 250 */
  answerTimeoutMs?: number;
}

export interface HelloFloodReport {
  /** ClientHellos sent, first and cookie-bearing. */
  hellos: number;
  helloVerifyRequests: number;
  /** Cookie-bearing ClientHellos the server answered with its flight (a handshake opened). */
  serverHellos: number;
  /** Cookie-bearing ClientHellos left unanswered (refused at the half-open caps). */
  unanswered: number;
  /** Distinct source addresses used. */
  sourcesUsed: number;
  seconds: number;
}

function clientHello(cookie: Buffer, random: Buffer): ClientHello {
  return {
    version: DTLS_1_2,
    random,
    sessionId: Buffer.alloc(0),
    cookie,
    cipherSuites: [PSK_CCM8],
    compressionMethods: Buffer.from([0]),
    extensions: [{ type: ExtensionType.extendedMasterSecret, data: Buffer.alloc(0) }],
  };
}

function helloRecord(hello: ClientHello, seq: number): Buffer {
  return encodeRecord(ContentType.handshake, DTLS_1_0, 0, seq, encodeHandshake({ msgType: HandshakeType.clientHello, messageSeq: seq, body: encodeClientHello(hello) }));
}

/** The first handshake message type in a datagram, with its body; undefined for anything else. */
function firstHandshake(datagram: Buffer): { msgType: number; body: Buffer } | undefined {
  try {
    const rec = parseRecords(datagram, 0).find((r) => r.type === ContentType.handshake && r.epoch === 0);
    if (rec === undefined) return undefined;
    const f = parseHandshakeFragments(rec.fragment)[0];
    return f === undefined ? undefined : { msgType: f.msgType, body: f.body };
  } catch {
    return undefined;
  }
}

function nextAnswer(socket: Socket, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (d: Buffer): void => {
      clearTimeout(timer);
      resolve(d);
    };
    socket.once('message', onMessage);
  });
}

function send(socket: Socket, datagram: Buffer, peer: Peer): Promise<void> {
  return new Promise((resolve) => socket.send(datagram, peer.port, peer.address, () => resolve()));
}

/** Floods until `durationMs` is over, cycling through the sources. */
export async function helloFlood(o: HelloFloodOptions): Promise<HelloFloodReport> {
  const r: HelloFloodReport = { hellos: 0, helloVerifyRequests: 0, serverHellos: 0, unanswered: 0, sourcesUsed: 0, seconds: 0 };
  const timeout = o.answerTimeoutMs ?? 250;
  const t0 = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() - t0 < o.durationMs) {
      const s = next++ % o.sources;
      r.sourcesUsed = Math.max(r.sourcesUsed, Math.min(next, o.sources));
      const socket = await bindUdpSocket(loopbackAddress(o.firstSocket + s), 0);
      socket.on('error', () => undefined);
      try {
        const hello = clientHello(Buffer.alloc(0), randomBytes(32));
        await send(socket, helloRecord(hello, 0), o.server);
        r.hellos++;
        const hvr = firstHandshake((await nextAnswer(socket, timeout)) ?? Buffer.alloc(0));
        if (hvr?.msgType !== HandshakeType.helloVerifyRequest) continue;
        r.helloVerifyRequests++;
        if (!o.echoCookie) continue;
        await send(socket, helloRecord({ ...hello, cookie: parseHelloVerifyRequest(hvr.body) }, 1), o.server);
        r.hellos++;
        const sh = firstHandshake((await nextAnswer(socket, timeout)) ?? Buffer.alloc(0));
        if (sh?.msgType === HandshakeType.serverHello) r.serverHellos++;
        else r.unanswered++;
      } finally {
        socket.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, lane));
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
