import { expect } from 'vitest';
import { ProtocolError, type ProtocolErrorCode } from '../../../protocol/errors.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { nodesEqual } from '../../../protocol/lwm2m/node-util.ts';

export { hex } from './fixtures.ts';

/** Runs `fn` and checks it throws a ProtocolError with `code` whose message matches `message`. */
export function expectProtocolError(fn: () => unknown, code: ProtocolErrorCode, message: RegExp | string): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  const err = thrown as ProtocolError;
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
  return err;
}

/** Structural node equality with a readable failure. */
export function expectNode(actual: LwM2mNode, expected: LwM2mNode): void {
  if (!nodesEqual(actual, expected)) expect(show(actual)).toEqual(show(expected));
  expect(nodesEqual(actual, expected)).toBe(true);
}

function show(node: unknown): unknown {
  return JSON.parse(JSON.stringify(node, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array || (v && v.type === 'Buffer') ? Buffer.from(v.data ?? v).toString('hex') : v)));
}
