/**
 * The peer LwM2M server of the `peer` scenario, lwm2m-node-lib's, in its own forked process (peer-server-worker.ts),
 * the way lwtwin's server runs in its own process: start it, count its registry, run its device reads, stop it.
 */
import { siblingModule } from '../../runtime-entry.ts';
import { forkRpc } from '../child-rpc.ts';
import type { PeerReadReport, PeerReadTarget } from './peer-server-worker.ts';

const WORKER = siblingModule(import.meta.url, './peer-server-worker.ts');

export interface PeerServer {
  readonly pid: number;
  /** The UDP port its CoAP server listens on (all interfaces: the library takes no bind address). */
  readonly coapPort: number;
  registered(): Promise<number>;
  /** A closed loop of `server.read` in the peer's process (see peer-server-worker.ts). */
  reads(target: PeerReadTarget): Promise<PeerReadReport>;
  stop(): Promise<void>;
}

/** Forks the peer and starts its server; `cpuProfDir` profiles it like lwtwin's server. */
export async function startPeerServer(cpuProfDir?: string): Promise<PeerServer> {
  const child = forkRpc(WORKER, ['--no-warnings', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])]);
  try {
    const { port } = await child.call<{ port: number }>('start');
    return {
      pid: child.pid,
      coapPort: port,
      registered: async () => (await child.call<{ registered: number }>('devices')).registered,
      reads: (target) => child.call<PeerReadReport>('reads', target),
      stop: () => child.close(),
    };
  } catch (err) {
    await child.close();
    throw err;
  }
}
