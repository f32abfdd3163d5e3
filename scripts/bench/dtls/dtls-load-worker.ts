/**
 * Child-process entry of the `dtls` scenario's DTLS client load (handshake-load.ts, hello-flood.ts): `rpkKeys`,
 * `handshakes`, `hold` / `release` (idle sessions), `flood`; `exit` closes what is still open.
 */
import { serveRpc } from '../child-rpc.ts';
import { HandshakeLoad, type HandshakeLoadOptions } from './handshake-load.ts';
import { helloFlood, type HelloFloodOptions } from './hello-flood.ts';

const load = new HandshakeLoad();

serveRpc(
  {
    rpkKeys: async (args: { count: number }) => load.makeRpkKeys(args.count),
    handshakes: async (args: HandshakeLoadOptions) => load.run(args),
    hold: async (args: { options: HandshakeLoadOptions; count: number }) => load.hold(args.options, args.count),
    release: async () => load.release(),
    flood: async (args: HelloFloodOptions) => helloFlood(args),
  },
  async () => {
    load.release();
  },
);
