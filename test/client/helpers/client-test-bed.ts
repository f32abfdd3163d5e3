import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ModelLookup } from '../../../protocol/lwm2m/model.ts';
import { ObjectRegistry } from '../../../objects/object-registry.ts';
import { TestServer } from './test-server.ts';

/** What a client test file shares: one test server, the default object model, and the devices of the running test. */
export interface ClientTestBed<D extends { stop(): Promise<void> }> {
  /** Started before the file's first test, closed after its last. */
  readonly server: TestServer;
  /** The bundled object definitions. */
  readonly model: ModelLookup;
  /** Devices to stop after the current test; push each one before starting it. */
  readonly devices: D[];
}

/**
 * Registers the hooks of a client test file (call it at the top level): a `TestServer` and the default model before
 * all tests, every device in `devices` stopped after each test, the server closed after all tests.
 */
export function clientTestBed<D extends { stop(): Promise<void> }>(): ClientTestBed<D> {
  const bed = { devices: [] as D[] } as { server: TestServer; model: ModelLookup; devices: D[] };
  beforeAll(async () => {
    bed.server = await TestServer.start();
    bed.model = await ObjectRegistry.loadDefault();
  });
  afterAll(() => bed.server.close());
  afterEach(async () => {
    await Promise.all(bed.devices.splice(0).map((d) => d.stop()));
  });
  return bed;
}
