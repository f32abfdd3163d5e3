import { ServerError } from '../errors.ts';
import { checkSecurityEntry, publicKeyFingerprint, summarize, type SecurityEntry, type SecuritySummary } from './security-entry.ts';
import {
  checkEndpointName,
  decodeSecurityCursor,
  encodeSecurityCursor,
  SecurityConflictError,
  securityListCount,
  type SecurityNamespace,
  type SecurityPage,
  type SecurityStore,
} from './security-store.ts';

interface Stored {
  readonly entry: SecurityEntry;
  readonly updatedAt: number;
}

/** A SecurityStore in one process's memory, for unit tests. Each method completes synchronously, so each is atomic. */
export class MemorySecurityStore implements SecurityStore {
  readonly #entries = new Map<string, Stored>();
  /** PSK identity -> endpoint */
  readonly #byIdentity = new Map<string, string>();
  /** public key fingerprint -> endpoint */
  readonly #byKey = new Map<string, string>();
  #closed = false;

  constructor(readonly namespace: SecurityNamespace = 'dm') {}

  async get(ep: string): Promise<SecurityEntry | undefined> {
    this.#open();
    const s = this.#entries.get(ep);
    return s ? copy(s.entry) : undefined;
  }

  async findByPskIdentity(identity: string): Promise<{ endpoint: string; key: Buffer } | undefined> {
    this.#open();
    const endpoint = this.#byIdentity.get(identity);
    const entry = endpoint === undefined ? undefined : this.#entries.get(endpoint)?.entry;
    return endpoint !== undefined && entry?.mode === 'psk' ? { endpoint, key: Buffer.from(entry.key) } : undefined;
  }

  async findByPublicKey(spkiDer: Buffer): Promise<string | undefined> {
    this.#open();
    const endpoint = this.#byKey.get(publicKeyFingerprint(spkiDer));
    const entry = endpoint === undefined ? undefined : this.#entries.get(endpoint)?.entry;
    return entry?.mode === 'rpk' && entry.publicKey.equals(spkiDer) ? endpoint : undefined;
  }

  async put(ep: string, entry: SecurityEntry): Promise<void> {
    this.#open();
    checkEndpointName(ep);
    const next = checkSecurityEntry(entry);
    const index = indexOf(next);
    if (index) {
      const owner = (index.kind === 'identity' ? this.#byIdentity : this.#byKey).get(index.value);
      if (owner !== undefined && owner !== ep) throw new SecurityConflictError(index.kind, owner);
    }
    const old = this.#entries.get(ep);
    if (old) this.#unindex(old.entry);
    this.#entries.set(ep, { entry: next, updatedAt: Date.now() });
    if (index) (index.kind === 'identity' ? this.#byIdentity : this.#byKey).set(index.value, ep);
  }

  async summary(ep: string): Promise<SecuritySummary | undefined> {
    this.#open();
    const s = this.#entries.get(ep);
    return s ? summarize(ep, s.entry, s.updatedAt) : undefined;
  }

  async delete(ep: string): Promise<boolean> {
    this.#open();
    const old = this.#entries.get(ep);
    if (!old) return false;
    this.#entries.delete(ep);
    this.#unindex(old.entry);
    return true;
  }

  async list(opts: { cursor?: string; count?: number } = {}): Promise<SecurityPage> {
    this.#open();
    const count = securityListCount(opts.count);
    const after = opts.cursor === undefined ? undefined : Buffer.from(decodeSecurityCursor(opts.cursor), 'utf8');
    const sorted = [...this.#entries.keys()].map((ep) => Buffer.from(ep, 'utf8')).sort(Buffer.compare);
    const rest = after ? sorted.filter((b) => Buffer.compare(b, after) > 0) : sorted;
    const page = rest.slice(0, count).map((b) => b.toString('utf8'));
    const items = page.map((ep) => {
      const s = this.#entries.get(ep)!;
      return summarize(ep, s.entry, s.updatedAt);
    });
    const last = page[page.length - 1];
    return rest.length > count && last !== undefined ? { items, cursor: encodeSecurityCursor(last) } : { items };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #unindex(entry: SecurityEntry): void {
    const index = indexOf(entry);
    if (index) (index.kind === 'identity' ? this.#byIdentity : this.#byKey).delete(index.value);
  }

  #open(): void {
    if (this.#closed) throw ServerError.internal('security store is closed');
  }
}

function indexOf(entry: SecurityEntry): { kind: 'identity' | 'publicKey'; value: string } | undefined {
  if (entry.mode === 'psk') return { kind: 'identity', value: entry.identity };
  if (entry.mode === 'rpk') return { kind: 'publicKey', value: publicKeyFingerprint(entry.publicKey) };
  return undefined;
}

function copy(entry: SecurityEntry): SecurityEntry {
  if (entry.mode === 'psk') return { mode: 'psk', identity: entry.identity, key: Buffer.from(entry.key) };
  if (entry.mode === 'rpk') return { mode: 'rpk', publicKey: Buffer.from(entry.publicKey) };
  return { mode: 'x509' };
}
