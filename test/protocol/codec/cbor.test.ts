import { describe, expect, it } from 'vitest';
import { cborCodec } from '../../../protocol/lwm2m/codec/cbor.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const decode = (h: string, path: string, model = TEST_MODEL) => cborCodec.decode(hex(h), p(path), model);
const encodeHex = (node: LwM2mNode, path: string, model = TEST_MODEL) => cborCodec.encode(node, p(path), model).toString('hex');

/**
 * Fixtures are CBOR data items per RFC 8949 (diagnostic notation in the names) for the LwM2M 1.1.1 CBOR format,
 * OMA TS Core 1.1.1 §7.4.6: time as tag 1 like Leshan's LwM2mNodeCborEncoder, object links as text.
 */
describe('application/cbor codec (OMA TS Core 1.1.1 §7.4.6)', () => {
  const roundTrips: [string, string, LwM2mNode][] = [
    ['100 (integer)', '1864', single(9, 100)],
    ['"ACME" (string)', '6441434d45', single(0, 'ACME')],
    ['true (boolean)', 'f5', single(2, true)],
    ['1.5 (float32)', 'fa3fc00000', single(3, 1.5)],
    ['0.1 (float64)', 'fb3fb999999999999a', single(3, 0.1)],
    ['2.0 (a float stays a float)', 'fa40000000', single(3, 2)],
    ["h'abcdef' (opaque)", '43abcdef', single(0, hex('abcdef'))],
    ['1(1367491215) (time)', 'c11a5182428f', single(13, new Date(1367491215000))],
    ['"66:1" (objlnk)', '6436363a31', single(6, '66:1')],
    ['18446744073709551615 (unsigned)', '1bffffffffffffffff', single(1, 2n ** 64n - 1n)],
    ['-9223372036854775808 (integer)', '3b7fffffffffffffff', single(7, -(2n ** 63n))],
  ];
  const paths: Record<number, string> = { 9: '/3/0/9', 0: '/3/0/0', 2: '/1024/0/2', 3: '/1024/0/3', 13: '/3/0/13', 6: '/1024/0/6', 1: '/1024/0/1', 7: '/1024/0/7' };
  for (const [name, h, node] of roundTrips) {
    it(`round-trips ${name}`, () => {
      let path = paths[node.id];
      if (name.includes('opaque')) path = '/5/0/0';
      expectNode(decode(h, path), node);
      expect(encodeHex(node, path)).toBe(h);
    });
  }

  it('accepts an untagged integer for a time and a whole float for an integer', () => {
    expectNode(decode('1a5182428f', '/3/0/13'), single(13, new Date(1367491215000)));
    expectNode(decode('f95640', '/3/0/9'), single(9, 100));
  });

  it('writes integers beyond 32 bits as CBOR integers, not floats', () => {
    expect(encodeHex(single(7, 2 ** 40), '/1024/0/7')).toBe('1b0000010000000000');
  });

  it('without a model keeps the CBOR type', () => {
    expectNode(decode('6141', '/31024/0/1', EMPTY_MODEL), single(1, 'A'));
    expectNode(decode('c11a5182428f', '/31024/0/1', EMPTY_MODEL), single(1, new Date(1367491215000)));
    expectNode(decode('42abcd', '/31024/0/1', EMPTY_MODEL), single(1, hex('abcd')));
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (h: string, path: string, message: RegExp) => expectProtocolError(() => decode(h, path), 'CODEC_DECODE', message);
    it('a map instead of a value', () => bad('a10102', '/3/0/9', /CBOR item is a map, not a resource value/));
    it('an array instead of a value', () => bad('8101', '/3/0/9', /is an array, not a resource value/));
    it('trailing bytes', () => bad('186400', '/3/0/9', /invalid CBOR at offset 2: 1 trailing bytes/));
    it('a truncated item', () => bad('19', '/3/0/9', /truncated: 2 more bytes needed, 0 left/));
    it('an empty payload', () => bad('', '/3/0/9', /truncated/));
    it('invalid UTF-8 in a text string', () => bad('62c328', '/3/0/0', /invalid UTF-8 .*text string at offset 0/));
    it('an unsupported tag', () => bad('d8ff01', '/3/0/9', /unsupported tag 255/));
    it('a text for an integer resource', () => bad('6131', '/3/0/9', /value "1" does not fit a resource of type integer/));
    it('a fraction for an integer resource', () => bad('fa3fc00000', '/3/0/9', /value 1.5 is not a 64-bit integer/));
    it('a text for a time resource', () => bad('6131', '/3/0/13', /does not fit a resource of type time/));
    it('a declared length beyond the payload', () => bad('5a ffffffff 00', '/5/0/0', /declared length 4294967295 exceeds the 1 bytes left/));
    it('reserved additional information', () => bad('1c', '/3/0/9', /reserved additional information 28/));
    it('nesting too deep', () => bad('81'.repeat(20) + '01', '/3/0/9', /nesting deeper than 16 levels/));
    it('a stray break code', () => bad('ff', '/3/0/9', /unexpected break code/));
    it('a multiple resource path', () => bad('01', '/3/0/6', /cannot carry the multiple resource/));
  });

  it('refuses to encode a value that does not fit the model', () => {
    expectProtocolError(() => cborCodec.encode(single(9, 'full'), p('/3/0/9'), TEST_MODEL), 'CODEC_ENCODE', /type integer/);
    expectProtocolError(() => cborCodec.encode(single(0, hex('01')), p('/3/0/0'), TEST_MODEL), 'CODEC_ENCODE', /type string/);
  });
});
