import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { decodeMessage, encodeMessage } from '../../../protocol/coap/message.ts';
import type { CoapMessage, CoapOption, CoapType } from '../../../protocol/coap/types.ts';
import { prng } from '../../helpers/prng.ts';

const ITERATIONS = 120_000;

describe('decodeMessage fuzz', () => {
  it(`survives ${ITERATIONS} random and mutated datagrams: only COAP_MALFORMED, and every decode round-trips`, { timeout: 120_000 }, () => {
    const rand = prng(0xc0a9);
    const int = (n: number): number => Math.floor(rand() * n);
    const bytes = (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
      for (; i < n; i++) b[i] = int(256);
      return b;
    };
    const optionNumbers = [1, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 17, 20, 23, 27, 28, 35, 39, 60, 258, 2048, 65000];
    const validMessage = (): CoapMessage => {
      const code = int(4) === 0 ? 0 : int(256);
      const options: CoapOption[] = [];
      if (code !== 0) {
        const count = int(6);
        for (let i = 0; i < count; i++) {
          const number = int(5) === 0 ? int(65536) : optionNumbers[int(optionNumbers.length)];
          const lenClass = int(10);
          const len = lenClass < 6 ? int(13) : lenClass < 9 ? 13 + int(256) : 269 + int(300);
          options.push({ number, value: bytes(len) });
        }
      }
      return {
        type: int(4) as CoapType,
        code,
        messageId: int(65536),
        token: code === 0 ? Buffer.alloc(0) : bytes(int(9)),
        options,
        payload: code === 0 || int(2) === 0 ? Buffer.alloc(0) : bytes(1 + int(40)),
      };
    };
    const mutate = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const kind = int(5);
      if (kind === 0 && out.length > 0) out[int(out.length)] ^= 1 << int(8);
      else if (kind === 1 && out.length > 0) out[int(out.length)] = int(256);
      else if (kind === 2) return out.subarray(0, int(out.length + 1));
      else if (kind === 3) return Buffer.concat([out, bytes(1 + int(4))]);
      else if (out.length > 4) {
        const i = 4 + int(out.length - 4);
        return Buffer.concat([out.subarray(0, i), Buffer.from([int(256)]), out.subarray(i)]);
      }
      return out;
    };

    let decoded = 0;
    let rejected = 0;
    const foreign: string[] = [];
    const mismatches: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const pick = int(10);
      let datagram: Buffer;
      if (pick < 3) datagram = bytes(int(48));
      else if (pick < 4) datagram = Buffer.concat([Buffer.from([0x40 | int(16), int(256), int(256), int(256)]), bytes(int(32))]);
      else if (pick < 5) datagram = encodeMessage(validMessage());
      else {
        datagram = encodeMessage(validMessage());
        const rounds = 1 + int(3);
        for (let r = 0; r < rounds; r++) datagram = mutate(datagram);
      }
      let msg: CoapMessage;
      try {
        msg = decodeMessage(datagram);
      } catch (err) {
        if (isProtocolError(err, 'COAP_MALFORMED')) rejected++;
        else if (foreign.length < 5) foreign.push(`${datagram.toString('hex')}: ${String(err)}`);
        continue;
      }
      decoded++;
      try {
        const again = encodeMessage(msg);
        const back = decodeMessage(again);
        const same =
          again.equals(datagram) &&
          back.type === msg.type &&
          back.code === msg.code &&
          back.messageId === msg.messageId &&
          back.token.equals(msg.token) &&
          back.payload.equals(msg.payload) &&
          back.options.length === msg.options.length &&
          back.options.every((o, k) => o.number === msg.options[k].number && o.value.equals(msg.options[k].value));
        if (!same && mismatches.length < 5) mismatches.push(datagram.toString('hex'));
      } catch (err) {
        if (mismatches.length < 5) mismatches.push(`${datagram.toString('hex')}: ${String(err)}`);
      }
    }
    expect(foreign).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(decoded + rejected).toBe(ITERATIONS);
    // Both paths must be well exercised for the test to mean anything.
    expect(decoded).toBeGreaterThan(ITERATIONS / 5);
    expect(rejected).toBeGreaterThan(ITERATIONS / 5);
  });
});
