/**
 * One bootstrap session, server side (OMA LwM2M TS Core 1.1 §6.1.7 Bootstrap sequence; §5.2.7 operations):
 * Bootstrap-Discover on `/` (1.1+: tells the version and the bootstrap server's own Security instance),
 * Bootstrap-Read of `/1` (1.1+), Bootstrap-Delete `/`, Bootstrap-Write of the Security and Server instances and of
 * the configuration's extra writes, then Bootstrap-Finish (`POST /bs`). Payloads are TLV for 1.0 devices and the
 * device's `pct` (else SenML CBOR) for 1.1+. An error code from the device ends the session as `refused`, silence as
 * `timeout`.
 */
import { randomBytes } from 'node:crypto';
import type { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { IncomingResponse, OutgoingRequest, Peer } from '../../protocol/coap/types.ts';
import { encodeNode } from '../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { parseLinkFormat } from '../../protocol/lwm2m/link-format.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../protocol/errors.ts';
import { isServerError } from '../errors.ts';
import { buildWriteNode } from '../lwm2m/requests/write-values.ts';
import { SecurityConflictError, type SecurityStore } from '../security/security-store.ts';
import type { BootstrapConfig } from './bootstrap-config.ts';
import { securityInstance, serverInstance, type WrittenCredentials } from './bootstrap-objects.ts';
import type { BootstrapOutcome, BootstrapStep } from './bootstrap-store.ts';

/** Formats a 1.1+ device may ask for with `pct` that carry an object instance. */
const INSTANCE_FORMATS = new Set<number>([ContentFormat.TLV, ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.LWM2M_CBOR]);

export interface BootstrapSessionInput {
  readonly coap: CoapEndpoint;
  readonly peer: Peer;
  readonly endpoint: string;
  /** The Bootstrap-Request's `pct`, if any. */
  readonly preferredFormat?: number;
  readonly config: BootstrapConfig;
  readonly model: ModelLookup;
  /** The DM server's security store: a generated (or fixed) PSK is stored there before it is written. */
  readonly dmSecurity?: SecurityStore;
  /** Deadline of each request to the device, ms. */
  readonly requestTimeoutMs: number;
  /** True once a newer session of the same endpoint took over. */
  readonly superseded: () => boolean;
}

export interface BootstrapSessionResult {
  readonly outcome: BootstrapOutcome;
  readonly error?: string;
  readonly lwm2mVersion: string;
  readonly contentFormat: number;
  readonly pskIdentity?: string;
  readonly steps: BootstrapStep[];
}

/** A step that did not get its expected answer. */
class StepFailure extends Error {
  constructor(
    readonly outcome: BootstrapOutcome,
    message: string,
  ) {
    super(message);
  }
}

export async function runBootstrapSession(input: BootstrapSessionInput): Promise<BootstrapSessionResult> {
  const steps: BootstrapStep[] = [];
  let version = input.preferredFormat !== undefined ? '1.1' : '1.0';
  let contentFormat: number = ContentFormat.TLV;
  let pskIdentity: string | undefined;

  const exchange = async (operation: BootstrapStep['operation'], path: string, out: OutgoingRequest, expected: string | null): Promise<IncomingResponse> => {
    if (input.superseded()) throw new StepFailure('superseded', 'a newer Bootstrap-Request of this endpoint took over');
    const started = performance.now();
    let res: IncomingResponse;
    try {
      res = await input.coap.request(input.peer, out, { timeoutMs: input.requestTimeoutMs });
    } catch (err) {
      steps.push({ operation, path, ms: Math.round(performance.now() - started) });
      if (isProtocolError(err, 'COAP_TIMEOUT')) throw new StepFailure('timeout', `no answer to Bootstrap-${title(operation)} ${path} within ${input.requestTimeoutMs} ms`);
      throw new StepFailure('failed', `Bootstrap-${title(operation)} ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    steps.push({ operation, path, code: res.code, ms: Math.round(performance.now() - started) });
    if (expected !== null && res.code !== expected) {
      const diagnostic = res.payload.length > 0 && res.code.startsWith('4') ? `: ${res.payload.toString('utf8').slice(0, 120)}` : '';
      throw new StepFailure('refused', `the device answered Bootstrap-${title(operation)} ${path} with ${res.code}${diagnostic}`);
    }
    return res;
  };

  try {
    // Bootstrap-Discover (1.1+; a 1.0 device may refuse it, which tells its version).
    const discovered = await exchange('discover', '/', { method: 'GET', uriPath: [], accept: ContentFormat.LINK }, null);
    let bootstrapInstance: number | undefined;
    if (discovered.code === '2.05') {
      const found = readDiscover(discovered.payload.toString('utf8'));
      if (found.version) version = found.version;
      bootstrapInstance = found.bootstrapInstance;
    }
    if (version !== '1.0') {
      contentFormat = input.preferredFormat !== undefined && INSTANCE_FORMATS.has(input.preferredFormat) ? input.preferredFormat : ContentFormat.SENML_CBOR;
      // Bootstrap-Read of the Server object (1.1+): informational, its answer is recorded.
      await exchange('read', '/1', { method: 'GET', uriPath: ['1'], accept: contentFormat }, null);
    }
    await exchange('delete', '/', { method: 'DELETE', uriPath: [] }, '2.02');

    const credentials = await credentialsFor(input);
    if (credentials.mode === 'psk') pskIdentity = credentials.identity;
    const securityId = bootstrapInstance === 0 || bootstrapInstance === undefined ? 1 : 0;
    const writes: Array<[LwM2mPath, unknown]> = [
      [new LwM2mPath(0, securityId), securityInstance(input.config.server, credentials)],
      [new LwM2mPath(1, 0), serverInstance(input.config.server)],
      ...input.config.writes.map((w): [LwM2mPath, unknown] => [LwM2mPath.parse(w.path), w.value]),
    ];
    for (const [path, value] of writes) {
      let payload: Buffer;
      try {
        payload = encodeNode(contentFormat, buildWriteNode(path, value, input.model, { requireWritable: false }), path, input.model);
      } catch (err) {
        throw new StepFailure('failed', `cannot encode ${path.toString()}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await exchange('write', path.toString(), { method: 'PUT', uriPath: path.segments('/'), contentFormat, payload }, '2.04');
    }
    await exchange('finish', '/bs', { method: 'POST', uriPath: ['bs'] }, '2.04');
    return { outcome: 'finished', lwm2mVersion: version, contentFormat, steps, ...(pskIdentity ? { pskIdentity } : {}) };
  } catch (err) {
    const outcome = err instanceof StepFailure ? err.outcome : 'failed';
    const error = err instanceof Error ? err.message : String(err);
    return { outcome, error, lwm2mVersion: version, contentFormat, steps, ...(pskIdentity ? { pskIdentity } : {}) };
  }
}

function title(operation: BootstrapStep['operation']): string {
  return operation[0]!.toUpperCase() + operation.slice(1);
}

/** The version (`</>;lwm2m=1.1`) and the bootstrap server's Security instance (a `/0/x` link without `ssid`). */
function readDiscover(text: string): { version?: string; bootstrapInstance?: number } {
  let links;
  try {
    links = parseLinkFormat(text);
  } catch {
    return {};
  }
  const out: { version?: string; bootstrapInstance?: number } = {};
  for (const l of links) {
    const lwm2m = l.attributes.lwm2m;
    if (typeof lwm2m === 'string' && /^1\.\d$/.test(lwm2m)) out.version = lwm2m;
    const m = /^\/0\/(\d+)$/.exec(l.uri);
    if (m && l.attributes.ssid === undefined && out.bootstrapInstance === undefined) out.bootstrapInstance = Number(m[1]);
  }
  return out;
}

/**
 * The credentials to write. A PSK (generated: 16 random bytes, identity = endpoint name) is stored in the DM server's
 * security store first, so the device's DTLS handshake finds it.
 */
async function credentialsFor(input: BootstrapSessionInput): Promise<WrittenCredentials> {
  const s = input.config.security;
  if (s.mode === 'nosec') return { mode: 'nosec' };
  const credentials = 'generate' in s ? { mode: 'psk' as const, identity: input.endpoint, key: randomBytes(16) } : { mode: 'psk' as const, identity: s.identity, key: s.key };
  if (!input.dmSecurity) throw new StepFailure('failed', 'no DM security store to keep the PSK in');
  try {
    await input.dmSecurity.put(input.endpoint, credentials);
  } catch (err) {
    if (err instanceof SecurityConflictError) throw new StepFailure('failed', `PSK identity ${JSON.stringify(credentials.identity)} is bound to another endpoint in the DM security store`);
    if (isServerError(err, 'BAD_REQUEST')) throw new StepFailure('failed', `cannot use the endpoint name as PSK identity: ${err.message}`);
    throw err;
  }
  return credentials;
}
