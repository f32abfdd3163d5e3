import { describe, expect, it } from 'vitest';
import { senmlCborCodec } from '../../../protocol/lwm2m/codec/senml-cbor.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { leaf, leavesEqual } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, instance, multiple, single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const decode = (h: string, path: string, model = TEST_MODEL) => senmlCborCodec.decode(hex(h), p(path), model);
const encodeHex = (node: LwM2mNode, path: string, model = TEST_MODEL) => senmlCborCodec.encode(node, p(path), model).toString('hex');

/** CBOR fixtures written by hand from RFC 8428 §6 (integer labels bn -2, bt -3, n 0, v 2, vs 3, vb 4, t 6, vd 8) and the OMA text label "vlo". */
describe('SenML CBOR codec (RFC 8428 §6, OMA TS Core 1.1 §7.4.5)', () => {
  it('round-trips the SenML example (RFC 8428; OMA TS Core 1.1 §7.4): [{-2: "/3/0/", 0: "0", 3: "ACME"}, {0: "9", 2: 95}]', () => {
    const h = '82 a3 21 65 2f332f302f 00 61 30 03 64 41434d45 a2 00 61 39 02 18 5f';
    const node = instance(0, [single(0, 'ACME'), single(9, 95)]);
    expectNode(decode(h, '/3/0'), node);
    expect(encodeHex(node, '/3/0')).toBe(h.replace(/\s+/g, ''));
  });

  it('decodes an opaque value (Leshan senml_cbor_decode_opaque_resource: [{-2: "/0/0/3", 8: h\'ABCDEF\'}])', () => {
    expectNode(decode('81a221662f302f302f330843abcdef', '/0/0/3', EMPTY_MODEL), single(3, hex('abcdef')));
  });

  it('reads and writes object links under the text label "vlo"', () => {
    const h = '81 a2 00 69 2f332f302f32322f30 63 766c6f 64 36363a30';
    expectNode(decode(h, '/3/0/22/0'), { kind: 'resourceInstance', id: 0, value: '66:0' });
    expect(senmlCborCodec.encodeLeaves!([leaf('/3/0/22/0', '66:0')], TEST_MODEL).toString('hex')).toBe(h.replace(/\s+/g, ''));
  });

  it('resolves base time: [{-2: "/6/0/0", -3: 268600000, 2: 1.5}]', () => {
    const [l] = senmlCborCodec.decodeLeaves!(hex('81 a3 21 66 2f362f302f30 22 1a 100282c0 02 f9 3e00'), TEST_MODEL);
    expect(l.path.toString()).toBe('/6/0/0');
    expect(l.value).toBe(1.5);
    expect(l.timestamp?.getTime()).toBe(268600000000);
  });

  it('round-trips the Device instance through CBOR', () => {
    const enc = senmlCborCodec.encode(DEVICE_NODE, p('/3/0'), TEST_MODEL);
    expectNode(senmlCborCodec.decode(enc, p('/3/0'), TEST_MODEL), DEVICE_NODE);
  });

  it('decodes indefinite-length arrays and maps and a bigint v', () => {
    expectNode(decode('9f bf 00 69 2f313032342f302f37 02 1b 7fffffffffffffff ff ff', '/1024/0/7'), single(7, 2n ** 63n - 1n));
  });

  it('decodes an empty payload and an empty array as an empty multiple resource', () => {
    expectNode(decode('', '/3/0/6'), multiple(6, {}));
    expectNode(decode('80', '/3/0/6'), multiple(6, {}));
  });

  it('composite leaves round-trip', () => {
    const leaves = [leaf('/3/0/9', 95), leaf('/6/0/0', 43.5), leaf('/5/0/0', hex('0102')), leaf('/1024/0/2', true), leaf('/3/0/13', new Date(1e12))];
    const back = senmlCborCodec.decodeLeaves!(senmlCborCodec.encodeLeaves!(leaves, TEST_MODEL), TEST_MODEL);
    expect(leavesEqual(back, leaves)).toBe(true);
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (h: string, path: string, message: RegExp) => expectProtocolError(() => decode(h, path), 'CODEC_DECODE', message);
    it('CBOR that is not SenML (an integer)', () => bad('01', '/3/0/9', /SenML CBOR payload is a number, not an array of records/));
    it('a map instead of a pack', () => bad('a1 00 61 30', '/3/0/9', /is a map, not an array of records/));
    it('a record that is not a map', () => bad('81 01', '/3/0/9', /record 0 is a number, not a map/));
    it('a truncated pack', () => bad('82 a3 21', '/3/0', /invalid CBOR at offset 1: declared length 3 exceeds the 1 bytes left/));
    it('a name that is not an LwM2M path (RFC 8428 §6 example)', () =>
      bad('81 a3 00 78 1b 75726e3a6465763a6f773a31306532303733613031303830303633 01 63 43656c 02 fb 4037199999999999a', '/3/0/9', /name "urn:dev:ow:10e2073a01080063" is not a valid LwM2M path/));
    it('a value cut short', () => bad('81 a2 00 66 2f332f302f39 02 19 01', '/3/0/9', /truncated: 2 more bytes needed, 1 left/));
    it('invalid UTF-8 in a name', () => bad('81 a1 00 62 c328', '/3/0/9', /invalid UTF-8/));
    it('a duplicate label in a record', () => bad('81 a2 00 61 30 00 61 31', '/3/0', /duplicate map key 0/));
    it('an unsupported tag', () => bad('81 a2 00 66 2f332f302f39 02 d8 ff 01', '/3/0/9', /unsupported tag 255/));
    it('a text for v', () => bad('81 a2 00 66 2f332f302f39 02 61 31', '/3/0/9', /record 0: v \(2\) must be a number, got a string/));
    it('a text for vd', () => bad('81 a2 00 66 2f352f302f30 08 61 31', '/5/0/0', /vd \(8\) must be a byte string/));
    it('a must-understand label', () => bad('81 a3 00 66 2f332f302f39 02 01 62 785f 01', '/3/0/9', /must-understand label "x_"/));
    it('a record outside the requested path', () => bad('81 a2 00 66 2f342f302f30 02 01', '/3/0', /outside the requested path \/3\/0/));
    it('a vs for an integer resource', () => bad('81 a2 00 66 2f332f302f39 03 61 31', '/3/0/9', /vs value "1" does not fit a resource of type integer/));
    it('a duplicate path', () => bad('82 a2 00 66 2f332f302f39 02 01 a2 00 66 2f332f302f39 02 02', '/3/0', /duplicate value for \/3\/0\/9/));
  });

  it('refuses to encode a string for an integer resource', () => {
    expectProtocolError(() => encodeHex(single(9, 'x'), '/3/0/9'), 'CODEC_ENCODE', /type integer/);
  });
});
