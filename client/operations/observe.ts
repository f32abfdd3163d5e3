import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { encodeLeavesAs, encodeNodeAs } from '../codecs.ts';
import type { DeviceContext } from '../device-context.ts';
import { Observation } from '../observation.ts';
import { readNode } from '../read-node.ts';
import { compositeRead } from './composite.ts';

/**
 * Observe (OMA TS Core 1.1 §6.4.1, RFC 7641 §3.1): GET with Observe=0 answers like Read and starts notifications on the
 * token; Observe=1 cancels the observation with that token and answers like Read.
 */
export function handleObserve(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  const node = readNode(ctx.tree, path, ctx.model);
  const cf = ctx.formats.responseFormat(req.accept, node);
  const payload = encodeNodeAs(cf, node, path, ctx.model);
  if (req.observe === 1) {
    ctx.notifier.remove(req.peer, req.token);
    return { code: '2.05', contentFormat: cf, payload };
  }
  const obs = new Observation(Buffer.from(req.token), req.peer, path, cf, undefined, ctx.now());
  ctx.notifier.add(obs);
  ctx.notifier.initial(obs);
  return { code: '2.05', contentFormat: cf, payload, observe: ctx.nextObserveSeq() };
}

/** Observe-Composite (OMA TS Core 1.1 §6.4): FETCH with Observe=0/1 and a SenML path list. */
export function handleObserveComposite(ctx: DeviceContext, req: IncomingRequest): OutgoingResponse {
  const { paths, leaves, cf } = compositeRead(ctx, req);
  const payload = encodeLeavesAs(cf, leaves, ctx.model);
  if (req.observe === 1) {
    ctx.notifier.remove(req.peer, req.token);
    return { code: '2.05', contentFormat: cf, payload };
  }
  const obs = new Observation(Buffer.from(req.token), req.peer, paths[0], cf, paths, ctx.now());
  ctx.notifier.add(obs);
  return { code: '2.05', contentFormat: cf, payload, observe: ctx.nextObserveSeq() };
}
