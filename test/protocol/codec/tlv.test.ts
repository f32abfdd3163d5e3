import { describe, expect, it } from 'vitest';
import { tlvCodec } from '../../../protocol/lwm2m/codec/tlv.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, DEVICE_TLV, DEVICE_TLV_WRAPPED, instance, multiple, object, single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const decode = (h: string | Buffer, path: string, model = TEST_MODEL) => tlvCodec.decode(typeof h === 'string' ? hex(h) : h, p(path), model);
const encodeHex = (node: Parameters<typeof tlvCodec.encode>[0], path: string, model = TEST_MODEL) => tlvCodec.encode(node, p(path), model).toString('hex').toUpperCase();

describe('TLV codec (OMA TS Core §7.4.3)', () => {
  describe('spec examples', () => {
    it('decodes the Device object instance example (OMA 1.0 §6.4.3.1) and encodes it back byte for byte', () => {
      expectNode(decode(DEVICE_TLV, '/3/0'), DEVICE_NODE);
      expect(tlvCodec.encode(DEVICE_NODE, p('/3/0'), TEST_MODEL).equals(DEVICE_TLV)).toBe(true);
    });

    it('decodes resource 0 "Open Mobile Alliance": C8 00 14 …', () => {
      expectNode(decode('C800144F70656E204D6F62696C6520416C6C69616E6365', '/3/0/0'), single(0, 'Open Mobile Alliance'));
      expect(encodeHex(single(0, 'Open Mobile Alliance'), '/3/0/0')).toBe('C800144F70656E204D6F62696C6520416C6C69616E6365');
    });

    it('accepts the instance wrapped in an object-instance TLV (OMA 1.0 §6.4.3.2 A) at /3/0 and /3', () => {
      expectNode(decode(DEVICE_TLV_WRAPPED, '/3/0'), DEVICE_NODE);
      expectNode(decode(DEVICE_TLV_WRAPPED, '/3'), object(3, [DEVICE_NODE]));
    });

    it('wraps instances in object-instance TLVs when the request named no instance', () => {
      expect(tlvCodec.encode(object(3, [DEVICE_NODE]), p('/3'), TEST_MODEL).equals(DEVICE_TLV_WRAPPED)).toBe(true);
    });

    it('round-trips the Server object example (OMA 1.0 §6.4.3.2 C): lifetime as a 4-byte integer, boolean, string', () => {
      const fixture = '08000FC10001C40100015180C10601C10755';
      const expected = object(1, [instance(0, [single(0, 1), single(1, 86400), single(6, true), single(7, 'U')])]);
      expectNode(decode(fixture, '/1'), expected);
      expect(encodeHex(expected, '/1')).toBe(fixture);
    });

    it('round-trips the Access Control example (OMA 1.0 §6.4.3.2 B) without a model: 16-bit ids, opaque values', () => {
      const fixture = '08000EC10001C101008302417F07C1037F080212C10003C101008702417F0761013601C1037F';
      const b = (x: number) => Buffer.from([x]);
      const expected = object(2, [
        instance(0, [single(0, b(1)), single(1, b(0)), multiple(2, { 127: b(7) }), single(3, b(0x7f))]),
        instance(2, [single(0, b(3)), single(1, b(0)), multiple(2, { 127: b(7), 310: b(1) }), single(3, b(0x7f))]),
      ]);
      expectNode(decode(fixture, '/2', EMPTY_MODEL), expected);
      expect(encodeHex(expected, '/2', EMPTY_MODEL)).toBe(fixture);
    });

    it('round-trips the object-link examples (OMA 1.0 §6.4.3.3)', () => {
      const obj65 = '88000C440000420000440100420001C8010D38363133383030373535353030C40212345678';
      const expected65 = instance(0, [multiple(0, { 0: '66:0', 1: '66:1' }), single(1, '8613800755500'), single(2, 305419896)]);
      expectNode(decode(obj65, '/65/0'), expected65);
      expect(encodeHex(expected65, '/65/0')).toBe(obj65);

      const obj66 = '080026C8000B6D79536572766963652031C8010F496E7465726E65742E31352E323334C40200430000080126C8000B6D79536572766963652032C8010F496E7465726E65742E31352E323335C402FFFFFFFF';
      const expected66 = object(66, [
        instance(0, [single(0, 'myService 1'), single(1, 'Internet.15.234'), single(2, '67:0')]),
        instance(1, [single(0, 'myService 2'), single(1, 'Internet.15.235'), single(2, '65535:65535')]),
      ]);
      expectNode(decode(obj66, '/66'), expected66);
      expect(encodeHex(expected66, '/66')).toBe(obj66);
    });

    it('uses a 16-bit identifier for ids above 255: E1 16DA 01 = resource 5850 true', () => {
      expectNode(decode('E116DA01', '/3311/0/5850'), single(5850, true));
      expect(encodeHex(single(5850, true), '/3311/0/5850')).toBe('E116DA01');
    });
  });

  describe('resources and resource instances', () => {
    it('decodes a multiple resource from a multiple-resource TLV or from bare resource instances', () => {
      expectNode(decode('86 06 41 00 01 41 01 05', '/3/0/6'), multiple(6, { 0: 1, 1: 5 }));
      expectNode(decode('41 00 01 41 01 05', '/3/0/6'), multiple(6, { 0: 1, 1: 5 }));
      expect(encodeHex(multiple(6, { 0: 1, 1: 5 }), '/3/0/6')).toBe('8606410001410105');
    });

    it('decodes an empty payload as an empty multiple resource', () => {
      expectNode(decode('', '/3/0/6'), multiple(6, {}));
    });

    it('decodes and encodes a resource instance', () => {
      expectNode(decode('41 01 05', '/3/0/6/1'), { kind: 'resourceInstance', id: 1, value: 5 });
      expectNode(decode('86 01 41 01 05'.replace('86 01', '83 06'), '/3/0/6/1'), { kind: 'resourceInstance', id: 1, value: 5 });
      expect(encodeHex({ kind: 'resourceInstance', id: 1, value: 5 }, '/3/0/6/1')).toBe('410105');
    });

    it('encodes a 24-bit length for values over 65535 bytes', () => {
      const big = Buffer.alloc(70000, 7);
      const enc = tlvCodec.encode(single(0, big), p('/5/0/0'), TEST_MODEL);
      expect(enc.subarray(0, 5).toString('hex')).toBe('d800011170');
      expectNode(tlvCodec.decode(enc, p('/5/0/0'), TEST_MODEL), single(0, big));
    });
  });

  describe('value types (OMA TS Core Appendix C)', () => {
    it('encodes integers in the minimal 1, 2, 4 or 8 bytes, two’s complement', () => {
      const cases: [number | bigint, string][] = [
        [0, 'C10900'],
        [127, 'C1097F'],
        [-128, 'C10980'],
        [128, 'C2090080'],
        [-129, 'C209FF7F'],
        [32768, 'C40900008000'],
        [-2147483648, 'C40980000000'],
        [2147483648, 'C809080000000080000000'],
        [-(2n ** 63n), 'C809088000000000000000'],
      ];
      for (const [v, h] of cases) {
        expect(encodeHex(single(9, v), '/3/0/9'), String(v)).toBe(h);
        const back = decode(h, '/3/0/9') as { value: unknown };
        expect(back.value).toEqual(v);
      }
    });

    it('decodes 8-byte integers beyond 2^53 as bigint', () => {
      expectNode(decode('C8 07 08 7FFFFFFFFFFFFFFF', '/1024/0/7'), single(7, 2n ** 63n - 1n));
      expectNode(decode('C8 07 08 0020000000000001', '/1024/0/7'), single(7, 2n ** 53n + 1n));
    });

    it('treats unsignedInteger as unsigned: 1 byte FF is 255, 8 bytes FF… is 2^64-1', () => {
      expectNode(decode('C1 01 FF', '/1024/0/1'), single(1, 255));
      expectNode(decode('C8 01 08 FFFFFFFFFFFFFFFF', '/1024/0/1'), single(1, 2n ** 64n - 1n));
      expect(encodeHex(single(1, 2n ** 64n - 1n), '/1024/0/1')).toBe('C80108FFFFFFFFFFFFFFFF');
    });

    it('encodes floats in 4 bytes when exact, else 8, and decodes both', () => {
      expect(encodeHex(single(3, 1.5), '/1024/0/3')).toBe('C4033FC00000');
      expect(encodeHex(single(3, 0.1), '/1024/0/3')).toBe('C803083FB999999999999A');
      expectNode(decode('C4033FC00000', '/1024/0/3'), single(3, 1.5));
      expectNode(decode('C803083FB999999999999A', '/1024/0/3'), single(3, 0.1));
    });

    it('decodes time as integer seconds into a Date and encodes a Date back', () => {
      expectNode(decode('C4 0D 5182428F', '/3/0/13'), single(13, new Date(1367491215000)));
      expect(encodeHex(single(13, new Date(1367491215999)), '/3/0/13')).toBe('C40D5182428F');
    });

    it('decodes booleans, object links and opaque values', () => {
      expectNode(decode('C1 02 00', '/1024/0/2'), single(2, false));
      expectNode(decode('C4 06 0042 0001', '/1024/0/6'), single(6, '66:1'));
      expectNode(decode('83 05 41 00 AB', '/1024/0/5'), multiple(5, { 0: Buffer.from([0xab]) }));
    });
  });

  describe('malformed input is CODEC_DECODE naming the problem', () => {
    const bad = (h: string, path: string, message: RegExp | string) => expectProtocolError(() => decode(h, path), 'CODEC_DECODE', message);

    it('rejects a truncated header', () => bad('C8', '/3/0/0', /offset 0 is truncated/));
    it('rejects a length beyond the buffer', () => bad('C8 00 14 414243', '/3/0/0', /length 20 runs past the end/));
    it('rejects a child longer than its container', () => bad('08 00 03 C2 09 64', '/3', /resource 9 at offset 3: length 2 runs past the end of its container \(1 bytes left\)/));
    it('rejects an object instance nested in an object instance (nesting too deep)', () => bad('08 00 05 08 01 02 C1 09', '/3', /nesting too deep/));
    it('rejects a resource instance directly in an object instance', () => bad('41 00 01', '/3/0', /resource instance 0 at offset 0 is not allowed inside object instance \/3\/0/));
    it('rejects a multiple resource holding a resource', () => bad('83 06 C1 00 01', '/3/0/6', /resource 0 at offset 2 is not allowed inside multiple resource \/3\/0\/6/));
    it('rejects invalid UTF-8 in a string', () => bad('C3 00 FF FE FD', '/3/0/0', /invalid UTF-8 in TLV value of \/3\/0\/0/));
    it('rejects an integer of 3 bytes', () => bad('C3 09 000064', '/3/0/9', /must be 1, 2, 4 or 8 bytes, got 3/));
    it('rejects a float of 2 bytes', () => bad('C2 03 3FC0', '/1024/0/3', /float value must be 4 or 8 bytes/));
    it('rejects a boolean other than 0 or 1', () => bad('C1 02 02', '/1024/0/2', /boolean value must be one byte 0 or 1/));
    it('rejects an object link that is not 4 bytes', () => bad('C3 06 004200', '/1024/0/6', /objlnk value must be 4 bytes/));
    it('rejects a duplicate resource', () => bad('C1 09 64 C1 09 65', '/3/0', /duplicate resource \/3\/0\/9/));
    it('rejects a duplicate resource instance', () => bad('86 06 41 00 01 41 00 05', '/3/0/6', /duplicate resource instance \/3\/0\/6\/0/));
    it('rejects a duplicate object instance', () => bad('08 00 00 08 00 00', '/3', /duplicate object instance \/3\/0/));
    it('rejects a multiple resource sent as a single resource', () => bad('C1 06 01', '/3/0/6', /multiple resource but was sent as a single resource/));
    it('rejects a single resource sent as a multiple resource', () => bad('83 09 41 00 64', '/3/0/9', /single resource but was sent as a multiple resource/));
    it('rejects an object instance that is not the requested one', () => bad('08 01 03 C1 09 64', '/3/0', /object instance 1 does not match the requested path \/3\/0/));
    it('rejects a resource that is not the requested one', () => bad('C1 0A 64', '/3/0/9', /resource 10 does not match the requested path \/3\/0\/9/));
    it('rejects an empty payload for a single resource', () => bad('', '/3/0/9', /empty payload for the single resource \/3\/0\/9/));
    it('rejects a value for an executable resource', () => bad('C1 04 01', '/3/0/4', /type none carries no value/));
    it('rejects the root path', () => bad('C1 09 64', '/', /root path/));
    it('rejects an integer beyond the Date range for a time', () => bad('C8 0D 08 7FFFFFFFFFFFFFFF', '/3/0/13', /not a time in whole seconds/));
  });

  describe('encoder rejects values that do not fit (CODEC_ENCODE)', () => {
    const bad = (node: Parameters<typeof tlvCodec.encode>[0], path: string, message: RegExp) => expectProtocolError(() => tlvCodec.encode(node, p(path), TEST_MODEL), 'CODEC_ENCODE', message);
    it('a string for an integer resource', () => bad(single(9, 'full'), '/3/0/9', /\/3\/0\/9: value "full" \(string\) does not fit a resource of type integer/));
    it('a fraction for an integer resource', () => bad(single(9, 1.5), '/3/0/9', /does not fit a resource of type integer/));
    it('an integer beyond 64 bits', () => bad(single(9, 2n ** 63n), '/3/0/9', /does not fit a resource of type integer/));
    it('a single value for a multiple resource', () => bad(single(6, 1), '/3/0/6', /multiple resource in the model/));
    it('an invalid object link', () => bad(multiple(22, { 0: '70000:1' }), '/3/0/22', /type objlnk/));
    it('a node that does not sit at the path', () => bad(single(9, 1), '/3/0', /resource node cannot sit at \/3\/0/));
    it('a node whose id differs from the path', () => bad(single(8, 1), '/3/0/9', /id 8 does not match path \/3\/0\/9/));
    it('a string with an unpaired surrogate', () => bad(single(0, 'a\ud800b'), '/3/0/0', /unpaired UTF-16 surrogate/));
  });
});
