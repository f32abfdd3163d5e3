import { createHmac } from 'node:crypto';

/** Bytes of each simulated device's PSK (AES-128 suites, OMA LwM2M TS Transport 1.1 §5.2.8). */
export const SIMULATOR_PSK_BYTES = 16;

/**
 * The PSK of one simulated device: identity = endpoint name, key = HMAC-SHA256(run secret, name) cut to 16 bytes.
 * One secret per run lets worker processes derive every device's key without shipping a key table over IPC.
 */
export function simulatorPsk(secretHex: string, endpoint: string): { identity: string; key: Buffer } {
  return { identity: endpoint, key: createHmac('sha256', Buffer.from(secretHex, 'hex')).update(endpoint).digest().subarray(0, SIMULATOR_PSK_BYTES) };
}
