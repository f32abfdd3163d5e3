import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { OptionNumber } from '../../../protocol/coap/constants.ts';
import {
  decodeBlock,
  decodeUint,
  encodeBlock,
  encodeUint,
  getBlock1,
  getBlock2,
  getContentFormat,
  getObserve,
  getUriPath,
  getUriQuery,
  isCritical,
  unknownCriticalOption,
  stringOption,
  uintOption,
} from '../../../protocol/coap/options.ts';
import { CoapType, type CoapMessage, type CoapOption } from '../../../protocol/coap/types.ts';

function msg(options: CoapOption[]): CoapMessage {
  return { type: CoapType.CON, code: 1, messageId: 1, token: Buffer.alloc(0), options, payload: Buffer.alloc(0) };
}

describe('CoAP options (RFC 7252 §3.2, §5.4, §5.10)', () => {
  it('encodes uints in the fewest bytes and decodes them back', () => {
    const cases: [number, string][] = [
      [0, ''],
      [1, '01'],
      [255, 'ff'],
      [256, '0100'],
      [65535, 'ffff'],
      [65536, '010000'],
      [0xffffff, 'ffffff'],
      [0x1000000, '01000000'],
      [0xffffffff, 'ffffffff'],
    ];
    for (const [n, h] of cases) {
      expect(encodeUint(n).toString('hex')).toBe(h);
      expect(decodeUint(Buffer.from(h, 'hex'))).toBe(n);
    }
    expect(decodeUint(Buffer.from('0005', 'hex'))).toBe(5); // a non-minimal encoding still reads
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) expect(() => encodeUint(bad)).toThrow(expect.objectContaining({ code: 'COAP_OPTION_INVALID' }));
    expect(() => decodeUint(Buffer.alloc(5))).toThrow(expect.objectContaining({ code: 'COAP_OPTION_INVALID' }));
  });

  it('reads Uri-Path, Uri-Query, Content-Format and Observe', () => {
    const m = msg([
      uintOption(OptionNumber.OBSERVE, 0),
      stringOption(OptionNumber.URI_PATH, '3'),
      stringOption(OptionNumber.URI_PATH, '0'),
      stringOption(OptionNumber.URI_PATH, 'ü/x'),
      uintOption(OptionNumber.CONTENT_FORMAT, 11542),
      stringOption(OptionNumber.URI_QUERY, 'pmin=10'),
      stringOption(OptionNumber.URI_QUERY, 'pmax'),
    ]);
    expect(getUriPath(m)).toEqual(['3', '0', 'ü/x']);
    expect(getUriQuery(m)).toEqual(['pmin=10', 'pmax']);
    expect(getContentFormat(m)).toBe(11542);
    expect(getObserve(m)).toBe(0);
    expect(getObserve(msg([]))).toBeUndefined();
  });

  it('ignores an elective uint option whose length is out of range (§5.4.3)', () => {
    expect(getContentFormat(msg([{ number: OptionNumber.CONTENT_FORMAT, value: Buffer.from('000028', 'hex') }]))).toBeUndefined();
    expect(getObserve(msg([{ number: OptionNumber.OBSERVE, value: Buffer.from('00000001', 'hex') }]))).toBeUndefined();
  });

  describe('Block options (RFC 7959 §2.2)', () => {
    it('round-trips NUM, M and SZX for every size', () => {
      for (const size of [16, 32, 64, 128, 256, 512, 1024]) {
        for (const num of [0, 1, 15, 16, 4095, 4096, (1 << 20) - 1]) {
          for (const more of [false, true]) {
            const v = { num, more, size };
            expect(decodeBlock(encodeBlock(v))).toEqual(v);
          }
        }
      }
    });
    it('uses the RFC layout: NUM << 4 | M << 3 | SZX, minimal length', () => {
      expect(encodeBlock({ num: 0, more: false, size: 16 }).toString('hex')).toBe('');
      expect(encodeBlock({ num: 0, more: true, size: 1024 }).toString('hex')).toBe('0e');
      expect(encodeBlock({ num: 1, more: false, size: 1024 }).toString('hex')).toBe('16');
      expect(encodeBlock({ num: 16, more: true, size: 64 }).toString('hex')).toBe('010a');
    });
    it('rejects SZX 7, values over 3 bytes and bad sizes or numbers', () => {
      expect(() => decodeBlock(Buffer.from([0x07]))).toThrow(/SZX 7/);
      expect(() => decodeBlock(Buffer.alloc(4))).toThrow(expect.objectContaining({ code: 'COAP_OPTION_INVALID' }));
      for (const bad of [{ num: 0, more: false, size: 2048 }, { num: 0, more: false, size: 100 }, { num: 1 << 20, more: false, size: 16 }, { num: -1, more: false, size: 16 }]) {
        expect(() => encodeBlock(bad)).toThrow(expect.objectContaining({ code: 'COAP_OPTION_INVALID' }));
      }
    });
    it('reads Block1 and Block2 from a message', () => {
      const m = msg([
        { number: OptionNumber.BLOCK2, value: encodeBlock({ num: 3, more: true, size: 256 }) },
        { number: OptionNumber.BLOCK1, value: encodeBlock({ num: 7, more: false, size: 32 }) },
      ]);
      expect(getBlock2(m)).toEqual({ num: 3, more: true, size: 256 });
      expect(getBlock1(m)).toEqual({ num: 7, more: false, size: 32 });
    });
  });

  describe('unknownCriticalOption (§5.4.1, §5.4.3, §5.4.5)', () => {
    it('tells critical (odd) from elective (even) numbers', () => {
      expect(isCritical(OptionNumber.URI_PATH)).toBe(true);
      expect(isCritical(OptionNumber.BLOCK2)).toBe(true);
      expect(isCritical(OptionNumber.CONTENT_FORMAT)).toBe(false);
      expect(isCritical(OptionNumber.OBSERVE)).toBe(false);
    });
    it('accepts known options and unknown elective ones', () => {
      expect(unknownCriticalOption(msg([stringOption(11, 'rd'), uintOption(12, 40), stringOption(15, 'ep=x'), { number: 2050, value: Buffer.from('x') }]))).toBeUndefined();
    });
    it('reports an unknown critical option', () => {
      expect(unknownCriticalOption(msg([stringOption(11, 'rd'), { number: 9, value: Buffer.alloc(0) }]))).toBe(9);
      expect(unknownCriticalOption(msg([{ number: 2049, value: Buffer.alloc(0) }]))).toBe(2049);
    });
    it('treats a known critical option with an out-of-range length as unrecognized', () => {
      expect(unknownCriticalOption(msg([{ number: OptionNumber.URI_PATH, value: Buffer.alloc(256) }]))).toBe(11);
      expect(unknownCriticalOption(msg([{ number: OptionNumber.BLOCK2, value: Buffer.alloc(4) }]))).toBe(23);
      expect(unknownCriticalOption(msg([{ number: OptionNumber.ACCEPT, value: Buffer.alloc(3) }]))).toBe(17);
      expect(unknownCriticalOption(msg([{ number: OptionNumber.URI_HOST, value: Buffer.alloc(0) }]))).toBe(3);
      expect(unknownCriticalOption(msg([{ number: OptionNumber.IF_MATCH, value: Buffer.alloc(9) }]))).toBe(1);
    });
    it('treats a repeated non-repeatable critical option as unrecognized, but not a repeatable one', () => {
      const b = { number: OptionNumber.BLOCK1, value: Buffer.from([0x0e]) };
      expect(unknownCriticalOption(msg([b, b]))).toBe(27);
      expect(unknownCriticalOption(msg([stringOption(11, 'a'), stringOption(11, 'b')]))).toBeUndefined();
    });
    it('never flags elective options, whatever their length', () => {
      expect(unknownCriticalOption(msg([{ number: OptionNumber.CONTENT_FORMAT, value: Buffer.alloc(5) }]))).toBeUndefined();
    });
  });

  it('all rejections are ProtocolErrors', () => {
    try {
      decodeBlock(Buffer.from([0xff]));
      expect.unreachable();
    } catch (err) {
      expect(isProtocolError(err, 'COAP_OPTION_INVALID')).toBe(true);
    }
  });
});
