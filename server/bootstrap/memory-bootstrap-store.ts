import type { BootstrapConfig } from './bootstrap-config.ts';
import { MAX_SESSIONS_PER_ENDPOINT, type BootstrapSessionRecord, type BootstrapStore } from './bootstrap-store.ts';

/** A BootstrapStore in one process's memory, for unit tests. */
export class MemoryBootstrapStore implements BootstrapStore {
  readonly #configs = new Map<string, BootstrapConfig>();
  #default: BootstrapConfig | undefined;
  readonly #sessions = new Map<string, BootstrapSessionRecord[]>();

  async getConfig(ep: string): Promise<BootstrapConfig | undefined> {
    return this.#configs.get(ep);
  }
  async putConfig(ep: string, config: BootstrapConfig): Promise<void> {
    this.#configs.set(ep, config);
  }
  async deleteConfig(ep: string): Promise<boolean> {
    return this.#configs.delete(ep);
  }
  async getDefault(): Promise<BootstrapConfig | undefined> {
    return this.#default;
  }
  async putDefault(config: BootstrapConfig): Promise<void> {
    this.#default = config;
  }
  async deleteDefault(): Promise<boolean> {
    const had = this.#default !== undefined;
    this.#default = undefined;
    return had;
  }
  async resolve(ep: string): Promise<{ config: BootstrapConfig; source: 'endpoint' | 'default' } | undefined> {
    const own = this.#configs.get(ep);
    if (own) return { config: own, source: 'endpoint' };
    return this.#default ? { config: this.#default, source: 'default' } : undefined;
  }
  async addSession(record: BootstrapSessionRecord): Promise<void> {
    const list = [record, ...(this.#sessions.get(record.endpoint) ?? [])].slice(0, MAX_SESSIONS_PER_ENDPOINT);
    this.#sessions.set(record.endpoint, list);
  }
  async listSessions(ep: string): Promise<BootstrapSessionRecord[]> {
    return [...(this.#sessions.get(ep) ?? [])];
  }
}
