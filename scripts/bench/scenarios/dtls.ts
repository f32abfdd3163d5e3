/**
 * Scenario `dtls` (CoAP over DTLS 1.2: RFC 7252 §9.1, RFC 6347, OMA LwM2M TS Transport 1.1 §5.2): one server with
 * its coaps socket (`--dtls-key`: a P-256 key made for the run), credentials put into its security store, DTLS
 * clients from the product's own `DtlsSocket` in forked children. Per run:
 *
 * - full handshakes for `handshakeSec`, fresh sockets (nothing resumed): TLS_PSK_WITH_AES_128_CCM_8, then
 *   TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw public keys (RFC 7250) both ways: handshakes/s and p50/p99;
 * - `idleSessions` sessions established and held idle: (server RSS and heap after − before) / sessions;
 * - notify ingestion: a plain CoAP fleet and a coaps fleet of the same size, each in turn at `ratioRate`/s (the
 *   notify scenario's step, scenarios/notify.ts): written/s over DTLS ÷ written/s over plain CoAP.
 *
 * Then the ClientHello flood (scenarios/dtls-flood.ts). Reported figures are medians over runs.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spkiDer } from '../../../protocol/dtls/keys.ts';
import { figure, type BenchContext, type Figure, type ScenarioResult, type Target } from '../bench-types.ts';
import type { HandshakeLoadOptions, HandshakeLoadReport } from '../dtls/handshake-load.ts';
import { processRssBytes } from '../proc-stat.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { withServer } from '../server-session.ts';
import { decodeHistogram, median, percentileMs, sleep } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { floodRuns, type FloodRun } from './dtls-flood.ts';
import { handshakePool, openRig, stepContext, type DtlsRig } from './dtls-rig.ts';
import { runStep, type NotifyStepResult } from './notify.ts';
import { OBSERVE_OBJECT_3 } from './observed-fleet.ts';

/** Loopback socket numbers (see `loopbackAddress`) of the handshake clients. */
const HANDSHAKE_SOCKET = 120_000;
const HANDSHAKE_ADDRESSES = 2_000;

interface DtlsRun {
  psk: { perSec: number; p50Ms: number; p99Ms: number; failed: number };
  ecdhe: { perSec: number; p50Ms: number; p99Ms: number; failed: number };
  idle: { sessions: number; rssPerSessionBytes: number; heapPerSessionBytes: number };
  plain: NotifyStepResult;
  dtls: NotifyStepResult;
  ratio: number;
}

function handshakeSummary(r: HandshakeLoadReport): DtlsRun['psk'] {
  const h = decodeHistogram(r.histogram);
  return { perSec: r.completed / Math.max(r.seconds, 1e-9), p50Ms: percentileMs(h, 50), p99Ms: percentileMs(h, 99), failed: r.failed };
}

async function memory(httpUrl: string, pid: number): Promise<{ rss: number; heap: number }> {
  return { rss: processRssBytes(pid), heap: metricSum(await scrapeMetrics(httpUrl), 'lwtwin_nodejs_heap_size_used_bytes') };
}

async function oneRun(ctx: BenchContext, rig: DtlsRig, hs: Omit<HandshakeLoadOptions, 'kind'>, run: number, seed: number): Promise<DtlsRun & { seed: number }> {
  const { server } = rig.session;
  const sz = ctx.sizes.dtls;
  const psk = handshakeSummary(await rig.worker.call<HandshakeLoadReport>('handshakes', { ...hs, kind: 'psk' }));
  const ecdhe = handshakeSummary(await rig.worker.call<HandshakeLoadReport>('handshakes', { ...hs, kind: 'ecdhe' }));
  await sleep(500);
  const m0 = await memory(server.httpUrl, server.pid);
  const held = await rig.worker.call<HandshakeLoadReport>('hold', { options: { ...hs, kind: 'psk', durationMs: 600_000 }, count: sz.idleSessions });
  await sleep(Math.min(3000, 500 + sz.idleSessions));
  const m1 = await memory(server.httpUrl, server.pid);
  await rig.worker.call('release');
  const idle = { sessions: held.completed, rssPerSessionBytes: (m1.rss - m0.rss) / Math.max(1, held.completed), heapPerSessionBytes: (m1.heap - m0.heap) / Math.max(1, held.completed) };
  const stepCtx = stepContext(ctx);
  const plain = await runStep(stepCtx, server.httpUrl, server.pid, rig.plainFleet, rig.plainProbe, rig.store, sz.ratioRate, seed);
  const dtls = await runStep(stepCtx, server.httpUrl, server.pid, rig.dtlsFleet, rig.dtlsProbe, rig.store, sz.ratioRate, plain.lastValue + 1);
  const ratio = dtls.writtenPerSec / plain.writtenPerSec;
  ctx.log(
    `  dtls run ${run + 1}/${ctx.runs}: PSK ${psk.perSec.toFixed(0)} handshakes/s (p99 ${psk.p99Ms.toFixed(1)} ms), ECDHE ${ecdhe.perSec.toFixed(0)}/s (p99 ${ecdhe.p99Ms.toFixed(1)} ms), ` +
      `${idle.sessions} idle sessions ${idle.rssPerSessionBytes.toFixed(0)} B RSS / ${idle.heapPerSessionBytes.toFixed(0)} B heap each, ` +
      `notify @ ${sz.ratioRate}/s written plain ${plain.writtenPerSec.toFixed(0)}/s, coaps ${dtls.writtenPerSec.toFixed(0)}/s (ratio ${ratio.toFixed(2)})`,
  );
  const { lastValue: _p, ...plainStep } = plain;
  const { lastValue, ...dtlsStep } = dtls;
  return { psk, ecdhe, idle, plain: plainStep, dtls: dtlsStep, ratio, seed: lastValue + 1 };
}

export async function dtlsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const sz = ctx.sizes.dtls;
  const notes: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-bench-dtls-'));
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const keyFile = path.join(dir, 'server-key.pem');
  writeFileSync(keyFile, serverKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const secret = randomBytes(16).toString('hex');
  try {
    const { runs, flood } = await withServer(ctx, 'dtls', [...OBSERVE_OBJECT_3, '--dtls-key', keyFile], async (session) => {
      const rig = await openRig(ctx, session, secret, notes);
      try {
        const hs: Omit<HandshakeLoadOptions, 'kind'> = {
          server: { address: '127.0.0.1', port: session.server.coapsPort },
          pskSecret: secret,
          pskPrefix: 'hs-',
          pskPool: handshakePool(ctx),
          serverPublicKey: spkiDer(serverKey).toString('base64'),
          concurrency: sz.handshakeConcurrency,
          durationMs: sz.handshakeSec * 1000,
          maxHandshakes: 1_000_000,
          firstSocket: HANDSHAKE_SOCKET,
          addresses: HANDSHAKE_ADDRESSES,
        };
        const out: DtlsRun[] = [];
        let seed = 20_000_000;
        for (let r = 0; r < ctx.runs; r++) {
          const { seed: next, ...run } = await oneRun(ctx, rig, hs, r, seed);
          seed = next;
          out.push(run);
        }
        return { runs: out, flood: await floodRuns(ctx, rig, seed) };
      } finally {
        await rig.close();
      }
    });
    return { name: 'dtls', figures: [...runFigures(ctx, runs), ...floodFigures(ctx, flood)], details: { runs, flood }, notes: [...notes, ...scenarioNotes(ctx)], seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Server CPU time per notification written in a step, µs (less sensitive to a shared machine than the rates). */
function cpuPerWrite(s: NotifyStepResult): number {
  return s.writtenPerSec > 0 ? (s.serverCpuPercent / 100 / s.writtenPerSec) * 1e6 : NaN;
}

function runFigures(ctx: BenchContext, runs: DtlsRun[]): Figure[] {
  const sz = ctx.sizes.dtls;
  const col = (f: (r: DtlsRun) => number) => runs.map(f);
  const fig = (label: string, unit: string, f: (r: DtlsRun) => number, target?: Target) => figure('dtls', label, unit, col(f), median(col(f)), target);
  const inFlight = `${sz.handshakeConcurrency} in flight`;
  const at = `${sz.devices.toLocaleString('en-US')} devices, ${sz.ratioRate.toLocaleString('en-US')}/s offered`;
  return [
    fig(`PSK full handshakes/s (TLS_PSK_WITH_AES_128_CCM_8, ${inFlight})`, '/s', (r) => r.psk.perSec),
    fig('PSK handshake p50', 'ms', (r) => r.psk.p50Ms),
    fig('PSK handshake p99', 'ms', (r) => r.psk.p99Ms),
    fig(`ECDHE-ECDSA full handshakes/s (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, RPK, ${inFlight})`, '/s', (r) => r.ecdhe.perSec),
    fig('ECDHE-ECDSA handshake p50', 'ms', (r) => r.ecdhe.p50Ms),
    fig('ECDHE-ECDSA handshake p99', 'ms', (r) => r.ecdhe.p99Ms),
    fig(`server RSS per idle session (${sz.idleSessions.toLocaleString('en-US')} sessions)`, 'B', (r) => r.idle.rssPerSessionBytes, TARGETS.dtlsRssBytesPerSession),
    fig('server heap per idle session', 'B', (r) => r.idle.heapPerSessionBytes),
    fig('notify offered/s, plain CoAP (what the generator managed)', '/s', (r) => r.plain.offeredPerSec),
    fig('notify offered/s, coaps (what the generator managed)', '/s', (r) => r.dtls.offeredPerSec),
    fig(`notify written/s, plain CoAP (${at})`, '/s', (r) => r.plain.writtenPerSec),
    fig(`notify written/s, coaps (${at})`, '/s', (r) => r.dtls.writtenPerSec),
    fig('notify ingestion coaps ÷ plain CoAP', 'ratio', (r) => r.ratio, TARGETS.dtlsNotifyRatio),
    fig('notify dropped, plain CoAP', '%', (r) => r.plain.droppedPercent),
    fig('notify dropped, coaps', '%', (r) => r.dtls.droppedPercent),
    fig('notify→twin p99, plain CoAP', 'ms', (r) => r.plain.p99Ms),
    fig('notify→twin p99, coaps', 'ms', (r) => r.dtls.p99Ms),
    fig('server CPU, plain CoAP step', '% core', (r) => r.plain.serverCpuPercent),
    fig('server CPU, coaps step', '% core', (r) => r.dtls.serverCpuPercent),
    fig('server CPU per notification written, plain CoAP', 'µs', (r) => cpuPerWrite(r.plain)),
    fig('server CPU per notification written, coaps', 'µs', (r) => cpuPerWrite(r.dtls)),
  ];
}

function floodFigures(ctx: BenchContext, flood: FloodRun[]): Figure[] {
  const col = (f: (r: FloodRun) => number) => flood.map(f);
  const fig = (label: string, unit: string, f: (r: FloodRun) => number, target?: Target) => figure('dtls', label, unit, col(f), median(col(f)), target);
  const rate = ctx.sizes.dtls.floodNotifyRate.toLocaleString('en-US');
  const sources = ctx.sizes.dtls.floodSources.toLocaleString('en-US');
  return [
    fig(`coaps notify→twin p99 before the flood (${rate}/s)`, 'ms', (r) => r.before.p99Ms),
    fig(`coaps notify→twin p99 during a ClientHello flood from ${sources} sources`, 'ms', (r) => r.during.p99Ms, TARGETS.notifyP99Ms),
    fig('coaps notifications lost before the flood', '%', (r) => r.before.droppedPercent),
    fig('coaps notifications lost during the flood', '%', (r) => r.during.droppedPercent),
    fig('host UDP receive-buffer drops during the flood step', 'count', (r) => r.during.udpRcvbufErrors),
    fig('server CPU during the flood step', '% core', (r) => r.during.serverCpuPercent),
    fig('flood sources used (distinct addresses)', 'count', (r) => r.flood.sourcesUsed),
    fig('flood ClientHellos/s sent', '/s', (r) => r.flood.hellos / Math.max(r.flood.seconds, 1e-9)),
    fig('flood HelloVerifyRequests answered', '/s', (r) => r.flood.helloVerifyRequests / Math.max(r.flood.seconds, 1e-9)),
    fig('half-open handshakes, most seen', 'count', (r) => r.maxHandshaking),
    fig('handshakes refused at the caps', 'count', (r) => r.refused),
    fig('server RSS growth during the flood', 'MB', (r) => r.rssGrowthBytes / 1e6),
  ];
}

function scenarioNotes(ctx: BenchContext): string[] {
  const sz = ctx.sizes.dtls;
  return [
    'Handshakes: each on a fresh client socket (no resumption), cookie exchange included (3 round trips); the ECDHE client signs its CertificateVerify with its own raw public key, and its CPU (key generation, ECDH, ECDSA) runs in the load-generator process on the same 2 cores.',
    `Idle sessions: ${sz.idleSessions} PSK sessions established and held without traffic; (RSS or heap after − before) / sessions, without forcing GC, so the heap figure includes handshake garbage not yet collected.`,
    `Notify ratio: the same ${sz.devices} devices per fleet, NON notifications of one Battery Level leaf, ${sz.ratioRate}/s offered for ${sz.stepSec} s, plain step then coaps step; the coaps generator encrypts every record (AES-128-CCM-8) in its own process and may offer less than asked: compare the offered rows, and read the ratio as server capacity only when both steps dropped notifications (the server, not the generator, was then the limit); server CPU per notification written compares the two paths either way.`,
    'Flood: the sources answer the HelloVerifyRequest with the cookie (the worst case: a spoofing attacker never sees it) and then go silent; the server keeps such a handshake until its caps (2,000 in total, 8 per address) or its 30 s timeout end it.',
  ];
}
