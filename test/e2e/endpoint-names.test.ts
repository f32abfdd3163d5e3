import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDevice } from '../server/lwm2m/helpers/fake-device.ts';
import { testModel } from '../server/lwm2m/helpers/test-server.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

// Every endpoint name a Register accepts must be reachable through the HTTP API (GET /api/devices/{ep}); names the
// API could not address are refused at Register with 4.00 and a diagnostic payload instead.
describe('end to end: endpoint names are either addressable through the API or refused at Register', () => {
  let t: TestServer;
  let device: FakeDevice;

  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [] });
    device = await FakeDevice.start(t.coap, await testModel());
  });
  afterAll(async () => {
    await device?.close();
    await t?.stop();
  });

  const accepted: Array<[string, string]> = [
    ['101 characters', 'a'.repeat(101)],
    // A Uri-Query option holds at most 255 bytes (RFC 7252 §5.10), so `ep=` leaves 252 for the name.
    ['252 characters (the longest a CoAP option carries)', 'b'.repeat(252)],
    ['63 characters outside the BMP (252 bytes)', '\u{1F600}'.repeat(63)],
    ['URL-reserved characters', 'plant/line 1?x=#%2F&'],
    ['dots inside a name', '...a..'],
  ];
  for (const [what, ep] of accepted) {
    it(`accepts and serves a name of ${what}`, async () => {
      const res = await device.register({ query: [`ep=${ep}`, 'lt=60', 'lwm2m=1.1', 'b=U'] });
      expect(res.code).toBe('2.01');
      const reg = await t.api.get(`/api/devices/${encodeURIComponent(ep)}`);
      expect(reg.endpoint).toBe(ep);
      // the twin is written just after the 2.01 (twin sync listens for the registration)
      const twin = await eventually(() => t.api.get(`/api/devices/${encodeURIComponent(ep)}/twin`).catch(() => undefined), `twin of ${what}`);
      expect(twin.deviceId).toBe(ep);
    });
  }

  const refused: Array<[string, string, RegExp]> = [
    ['"."', '.', /cannot be addressed/],
    ['".."', '..', /cannot be addressed/],
  ];
  for (const [what, ep, message] of refused) {
    it(`refuses a name of ${what} with 4.00 and says why`, async () => {
      const res = await device.register({ query: [`ep=${ep}`, 'lt=60', 'lwm2m=1.1', 'b=U'] });
      expect(res.code).toBe('4.00');
      expect(res.payload.toString('utf8')).toMatch(message);
      const page = await t.api.get('/api/devices?limit=1000');
      expect(page.items.map((r: { endpoint: string }) => r.endpoint)).not.toContain(ep);
    });
  }
});
