/**
 * Scenario `peer`: lwtwin side by side with Telefónica's lwm2m-node-lib 1.4.0 server (a devDependency) where both do
 * the same work, same virtual fleet, same load, one run (see peer-round.ts for what each side does and includes):
 * registrations/s and Register p50/p99, device reads/s and p50/p99, RSS per registered device, each lwtwin/peer as a
 * ratio. lwtwin's like-for-like registration figure is the one without observation set-up (the peer sets up none);
 * lwtwin as shipped and its shallow reads are shown next to them as what an operator and a service see.
 */
import { type BenchContext, type Figure, type ScenarioResult } from '../bench-types.ts';
import { TARGETS } from '../targets.ts';
import { peerRound, roundFigure, type PeerRound, type ReadSide, type RegisterSide } from './peer-round.ts';

type Side = 'peer' | 'lwtwinBare' | 'lwtwin';

/** Short names in the figures' labels; the notes say what each runs. */
const NAMES: Record<Side, string> = {
  peer: 'peer',
  lwtwinBare: 'lwtwin, no observe',
  lwtwin: 'lwtwin as shipped',
};

export async function peerScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const s = ctx.sizes.peer;
  const rounds: PeerRound[] = [];
  const runs = Math.min(ctx.runs, s.maxRuns);
  for (let run = 0; run < runs; run++) {
    const r = await peerRound(ctx, run);
    ctx.log(
      `  peer run ${run + 1}/${runs}, ${s.devices} devices: Registers/s peer ${Math.round(r.peer.registrationsPerSec)}, lwtwin bare ${Math.round(r.lwtwinBare.registrationsPerSec)}, ` +
        `lwtwin ${Math.round(r.lwtwin.registrationsPerSec)}; reads/s peer ${Math.round(r.peer.reads.readsPerSec)}, lwtwin deep ${Math.round(r.lwtwinBare.deepReads.readsPerSec)}, ` +
        `shallow ${Math.round(r.lwtwinBare.shallowReads.readsPerSec)}`,
    );
    rounds.push(r);
  }
  const size = `${s.devices.toLocaleString('en-US')} devices`;
  const reads = `${s.readConcurrency} in flight`;
  const reg = (side: Side) => (r: PeerRound): RegisterSide => r[side];
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);
  const readOf = {
    peer: (r: PeerRound): ReadSide => r.peer.reads,
    deep: (r: PeerRound): ReadSide => r.lwtwinBare.deepReads,
    shallow: (r: PeerRound): ReadSide => r.lwtwinBare.shallowReads,
  };
  const readNames = {
    peer: 'peer server.read',
    deep: 'lwtwin deepRead job',
    shallow: 'lwtwin shallow read',
  };
  const figures: Figure[] = [
    roundFigure(rounds, `registrations/s lwtwin/peer, like-for-like (${size})`, '×', (r) => ratio(r.lwtwinBare.registrationsPerSec, r.peer.registrationsPerSec), TARGETS.peerRatio),
    roundFigure(rounds, `registrations/s lwtwin as shipped/peer (${size})`, '×', (r) => ratio(r.lwtwin.registrationsPerSec, r.peer.registrationsPerSec)),
    roundFigure(rounds, `device reads/s lwtwin deepRead/peer read (${reads})`, '×', (r) => ratio(r.lwtwinBare.deepReads.readsPerSec, r.peer.reads.readsPerSec), TARGETS.peerRatio),
    roundFigure(rounds, `reads/s lwtwin shallow/peer device read (${reads})`, '×', (r) => ratio(r.lwtwinBare.shallowReads.readsPerSec, r.peer.reads.readsPerSec)),
    roundFigure(rounds, `RSS per device lwtwin, no observe/peer (${size})`, '×', (r) => ratio(r.lwtwinBare.rssPerDeviceBytes, r.peer.rssPerDeviceBytes)),
  ];
  for (const side of ['peer', 'lwtwinBare', 'lwtwin'] as const) {
    const of = reg(side);
    figures.push(
      roundFigure(rounds, `registrations/s, ${NAMES[side]} (${size}, ${s.concurrency} in flight)`, '/s', (r) => of(r).registrationsPerSec),
      roundFigure(rounds, `Register p50, ${NAMES[side]}`, 'ms', (r) => of(r).registerP50Ms),
      roundFigure(rounds, `Register p99, ${NAMES[side]}`, 'ms', (r) => of(r).registerP99Ms),
    );
    // lwtwin as shipped is still setting up observations a second after the last Register: no memory figure of it.
    if (side !== 'lwtwin') {
      figures.push(
        roundFigure(rounds, `RSS per registered device, ${NAMES[side]}`, 'B', (r) => of(r).rssPerDeviceBytes),
        roundFigure(rounds, `requests to each device after Register, ${NAMES[side]}`, '', (r) => of(r).requestsPerDevice),
      );
    }
  }
  for (const k of ['peer', 'deep', 'shallow'] as const) {
    figures.push(
      roundFigure(rounds, `reads/s, ${readNames[k]} (${reads})`, '/s', (r) => readOf[k](r).readsPerSec),
      roundFigure(rounds, `read p50, ${readNames[k]}`, 'ms', (r) => readOf[k](r).p50Ms),
      roundFigure(rounds, `read p99, ${readNames[k]}`, 'ms', (r) => readOf[k](r).p99Ms),
    );
  }
  return { name: 'peer', figures, details: { rounds }, notes: notesFor(ctx, rounds), seconds: (performance.now() - t0) / 1000 };
}

function notesFor(ctx: BenchContext, rounds: readonly PeerRound[]): string[] {
  const s = ctx.sizes.peer;
  const notes = [
    `peer: lwm2m-node-lib 1.4.0 (in-memory registry, its shipped server config), which answers Register and does nothing after it; "lwtwin, no observe": --observe-objects '' (the like-for-like registration figure); ` +
      '"lwtwin as shipped": observes objects 3, 4, 5, 6 after Register (a Write-Attributes and an Observe per object, 8 requests per device, while Registers keep coming), the figure an operator gets; only its registration is measured here (its memory and observation times: scenarios registration and memory).',
    `one fleet per server (same generator, ${s.devices} devices over sockets of 250 on 127.1.x.y), Register with ${s.concurrency} in flight, 30 s deadline each; ${rounds.length} round(s).`,
    'reads: the peer figure is lwm2m-node-lib server.read(id, 3, 0, 9) called in its own process (no HTTP, no queue; each read opens a CoAP agent socket and is proxied through the server socket, the library\'s design); ' +
      'lwtwin deepRead includes POST /api/jobs over HTTP, the BullMQ queue in Redis, the CoAP GET, decoding, the twin write and the completed event on Redis pub/sub; the shallow read is the HTTP GET of the twin property.',
    'RSS per registered device: server RSS 1 s after the last Register − before the fleet started, over the devices registered; the peer keeps registrations in process memory only, lwtwin keeps them in Redis too (not counted here).',
  ];
  for (const side of ['peer', 'lwtwinBare', 'lwtwin'] as const) {
    const failed = rounds.reduce((n, r) => n + r[side].failed, 0);
    if (failed > 0) notes.push(`${NAMES[side]}: ${failed} Registers failed: ${rounds.flatMap((r) => r[side].errors).slice(0, 3).join('; ')}`);
    const drops = rounds.map((r) => r[side].receiveBufferDrops);
    if (drops.some((d) => d > 0)) notes.push(`${NAMES[side]}: UDP datagrams dropped host-wide for full receive buffers while registering: ${drops.join(', ')} (recovered by CoAP retransmission, 2–3 s later)`);
  }
  const readFailures: Array<[string, ReadSide[]]> = [
    ['peer server.read', rounds.map((r) => r.peer.reads)],
    ['lwtwin deepRead', rounds.map((r) => r.lwtwinBare.deepReads)],
    ['lwtwin shallow read', rounds.map((r) => r.lwtwinBare.shallowReads)],
  ];
  for (const [name, sides] of readFailures) {
    const failed = sides.reduce((n, x) => n + x.failed, 0);
    if (failed > 0) notes.push(`${name}: ${failed} reads failed: ${sides.flatMap((x) => x.firstErrors).slice(0, 3).join('; ')}`);
  }
  notes.push(`shallow reads went to the ${rounds.map((r) => r.lwtwinBare.shallowDevices).join(', ')} devices the deep reads reached (their twins hold the value).`);
  return notes;
}
