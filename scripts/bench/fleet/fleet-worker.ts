/**
 * Child-process entry of a virtual fleet (see fleet-processes.ts): `open`, `connect` (coaps handshakes), `register`, `notify`, `stats`, then
 * `exit` closes the sockets.
 */
import { serveRpc } from '../child-rpc.ts';
import { VirtualFleet, type VirtualFleetOptions } from './virtual-fleet.ts';

let fleet: VirtualFleet | undefined;

const opened = (): VirtualFleet => {
  if (!fleet) throw new Error('fleet worker: open first');
  return fleet;
};

serveRpc(
  {
    open: async (opts: VirtualFleetOptions) => {
      fleet = await VirtualFleet.open(opts);
      return { count: fleet.count };
    },
    connect: async (args: { concurrency: number }) => opened().connect(args.concurrency),
    register: async (args: { concurrency: number }) => opened().register(args.concurrency),
    notify: async (args: { ratePerSecond: number; durationMs: number }) => opened().notify(args.ratePerSecond, args.durationMs),
    stats: async () => ({ observed: opened().observedDevices(), requestsServed: opened().requestsServed }),
  },
  async () => {
    await fleet?.close();
  },
);
