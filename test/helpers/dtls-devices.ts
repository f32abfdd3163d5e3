import { eventually, type TestServer } from './server.ts';

/** The registration of `ep` through the API, or undefined while it is not registered. */
export async function registrationOf(t: TestServer, ep: string): Promise<{ security: string } | undefined> {
  try {
    return await t.api.get(`/api/devices/${ep}`);
  } catch {
    return undefined;
  }
}

/** Waits until `ep` is registered and its twin shows `lwm2m.security`; returns the registration's and the twin's mode and the twin. */
export async function securityOnceRegistered(t: TestServer, ep: string): Promise<{ registration: string; twin: string; reported: Record<string, any> }> {
  const reg = await eventually(() => registrationOf(t, ep), `${ep} registered`);
  const tw = await eventually(async () => {
    const x = await t.api.get(`/api/devices/${ep}/twin`);
    return x?.properties?.reported?.lwm2m?.security !== undefined ? x : undefined;
  }, 'twin shows the security mode');
  return { registration: reg.security, twin: tw.properties.reported.lwm2m.security, reported: tw.properties.reported };
}

/** `lwtwin_dtls_events_total{event}` of the server's coaps socket. */
export async function dtlsEvents(t: TestServer, event: string): Promise<number> {
  const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
  const m = new RegExp(`lwtwin_dtls_events_total\\{event="${event}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}
