/** Child-process entry of the HTTP load generator (http-load.ts). */
import { serveRpc } from '../child-rpc.ts';
import { deepReadLoad, shallowReadLoad, type DeepReadTarget, type LoadTarget } from './http-load.ts';

serveRpc({
  shallowReads: (t: LoadTarget) => shallowReadLoad(t),
  deepReads: (t: DeepReadTarget) => deepReadLoad(t),
});
