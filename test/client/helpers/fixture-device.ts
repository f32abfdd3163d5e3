import type { LwM2mClientOptions } from '../../../client/client-options.ts';
import { LwM2mClient } from '../../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../../client/simple-instance.ts';
import type { ExecuteArguments } from '../../../client/execute-arguments.ts';
import type { ModelLookup } from '../../../protocol/lwm2m/model.ts';
import type { Peer } from '../../../protocol/coap/types.ts';

/** Fixed values, so a test can predict every read. */
export const FIXED_TIME = new Date('2024-05-01T12:00:00Z');
export const VELOCITY = Buffer.from([0x00, 0x2d, 0x00, 0x10]);

/** Objects 0 (never visible to the server), 1, 3, 6 and 3303 with values of every type (string, integer, float, boolean, time, opaque, multiple). */
export function fixtureInstances(executed: Array<[number, ExecuteArguments]>) {
  return [
    new SimpleInstance(0, 0, { 0: 'coap://127.0.0.1:5683', 1: false, 2: 3, 10: 1 }),
    new SimpleInstance(1, 0, { 0: 1, 1: 300, 2: 0, 3: 0, 6: true, 7: 'U', 8: { execute: (a) => void executed.push([108, a]) } }),
    new SimpleInstance(3, 0, {
      0: 'lwtwin',
      1: 'model-x',
      4: { execute: (a) => void executed.push([4, a]) },
      6: new Map([[0, 1], [1, 5]]),
      9: 87,
      11: new Map([[0, 0]]),
      13: FIXED_TIME,
      14: '+00:00',
      15: 'Etc/UTC',
      16: 'U',
    }),
    new SimpleInstance(6, 0, { 0: 48.858, 1: 2.2945, 4: VELOCITY, 5: FIXED_TIME }),
    new SimpleInstance(3303, 0, { 5700: 21.5, 5701: 'Cel', 5750: 'indoor' }),
  ];
}

export function fixtureClient(name: string, server: Peer, model: ModelLookup, executed: Array<[number, ExecuteArguments]> = [], extra: Partial<LwM2mClientOptions> = {}): LwM2mClient {
  return new LwM2mClient({ endpointName: name, server, model, instances: fixtureInstances(executed), ...extra });
}
