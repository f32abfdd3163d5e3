import { ServerError } from '../errors.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { BootstrapConfig } from './bootstrap-config.ts';

/**
 * A configuration as stored: JSON, with a fixed PSK key sealed by the SecretBox (bound to the configuration's
 * name: the endpoint or `*` for the default).
 */
export function encodeStoredConfig(config: BootstrapConfig, box: SecretBox, name: string): string {
  const s = config.security;
  const security = s.mode === 'psk' && 'key' in s ? { mode: 'psk', identity: s.identity, sealedKey: box.seal(s.key, `bootstrap-config\n${name}\n${s.identity}`) } : s;
  return JSON.stringify({ server: config.server, security, writes: config.writes });
}

/** @throws ServerError INTERNAL for a stored value this code did not write */
export function decodeStoredConfig(text: string, box: SecretBox, name: string): BootstrapConfig {
  let raw: { server: BootstrapConfig['server']; security: Record<string, unknown>; writes: BootstrapConfig['writes'] };
  try {
    raw = JSON.parse(text);
  } catch {
    throw ServerError.internal(`stored bootstrap configuration of ${JSON.stringify(name)} is not JSON`);
  }
  const s = raw.security;
  if (s?.mode === 'psk' && typeof s.sealedKey === 'string' && typeof s.identity === 'string') {
    return { server: raw.server, security: { mode: 'psk', identity: s.identity, key: box.open(s.sealedKey, `bootstrap-config\n${name}\n${s.identity}`) }, writes: raw.writes };
  }
  if (s?.mode === 'psk' && s.generate === true) return { server: raw.server, security: { mode: 'psk', generate: true }, writes: raw.writes };
  return { server: raw.server, security: { mode: 'nosec' }, writes: raw.writes };
}
