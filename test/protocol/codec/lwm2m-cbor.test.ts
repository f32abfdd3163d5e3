import { describe, expect, it } from 'vitest';
import { lwm2mCborCodec } from '../../../protocol/lwm2m/codec/lwm2m-cbor.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import { leaf, leavesEqual } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, instance, multiple, single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const decode = (h: string, path: string, model = EMPTY_MODEL) => lwm2mCborCodec.decode(hex(h), p(path), model);

/**
 * Fixtures from Anjay's LwM2M CBOR decoder tests (AVSystem/Anjay tests/core/io/lwm2m_cbor_in.c), which follow
 * OMA TS Core 1.2 §7.4.7; the path /13/26/1 is theirs. The layout is unverified against the OMA text itself.
 */
describe('LwM2M CBOR codec (OMA TS Core 1.2 §7.4.7)', () => {
  const r42 = single(1, 42);
  it('decodes one array key: {[13, 26, 1]: 42}', () => expectNode(decode('A1 83 0D 18 1A 01 18 2A', '/13/26/1'), r42));
  it('decodes nested maps: {13: {26: {1: 42}}}', () => expectNode(decode('A1 0D A1 18 1A A1 01 18 2A', '/13/26/1'), r42));
  it('decodes nested one-id arrays: {[13]: {[26]: {[1]: 42}}}', () => expectNode(decode('A1 81 0D A1 81 18 1A A1 81 01 18 2A', '/13/26/1'), r42));
  it('decodes indefinite lengths: {_ [_ 13, 26, 1]: 42}', () => expectNode(decode('BF 9F 0D 18 1A 01 FF 18 2A FF', '/13/26/1'), r42));
  it('decodes all-indefinite nesting', () => expectNode(decode('BF 9F 0D FF BF 9F 18 1A FF BF 9F 01 FF 18 2A FF FF FF', '/13/26/1'), r42));
  it('decodes a decimal fraction: {[13]: {[26]: {[1]: {[2]: 4([-1, 45])}}}} = 4.5 at /13/26/1/2', () =>
    expectNode(decode('A1 81 0D A1 81 18 1A A1 81 01 A1 81 02 C4 82 20 18 2D', '/13/26/1/2'), { kind: 'resourceInstance', id: 2, value: 4.5 }));

  const two = instance(26, [single(1, 42), single(2, 21)]);
  it('decodes {[13, 26]: {1: 42, 2: 21}}', () => expectNode(decode('A1 82 0D 18 1A A2 01 18 2A 02 15', '/13/26'), two));
  it('decodes {[13, 26, 1]: 42, [13, 26, 2]: 21}', () => expectNode(decode('A2 83 0D 18 1A 01 18 2A 83 0D 18 1A 02 15', '/13/26'), two));
  it('decodes {[13, 26]: {1: 42}, [13, 26, 2]: 21}', () => expectNode(decode('A2 82 0D 18 1A A1 01 18 2A 83 0D 18 1A 02 15', '/13/26'), two));
  it('decodes {[13, 26, 1]: 42, [13, 26]: {[2]: 21}}', () => expectNode(decode('A2 83 0D 18 1A 01 18 2A 82 0D 18 1A A1 81 02 15', '/13/26'), two));
  it('decodes a byte string: {[13, 26, 1]: h\'00112233445566778899AABBCCDDEEFF\'}', () =>
    expectNode(decode('A1 83 0D 18 1A 01 50 00112233445566778899AABBCCDDEEFF', '/13/26/1'), single(1, hex('00112233445566778899AABBCCDDEEFF'))));
  it('decodes an indefinite byte string', () =>
    expectNode(decode('A1 83 0D 18 1A 01 5F 48 0011223344556677 48 8899AABBCCDDEEFF FF', '/13/26/1'), single(1, hex('00112233445566778899AABBCCDDEEFF'))));

  it('encodes by path level, folding single-child chains: {[3, 0]: {0: "ACME", 9: 95}}', () => {
    const enc = lwm2mCborCodec.encode(instance(0, [single(0, 'ACME'), single(9, 95)]), p('/3/0'), TEST_MODEL);
    expect(enc.toString('hex')).toBe('a1820300a2006441434d4509185f');
    expect(lwm2mCborCodec.encode(single(9, 95), p('/3/0/9'), TEST_MODEL).toString('hex')).toBe('a183030009185f');
  });

  it('round-trips the Device instance, with multiple resources and time as tag 1', () => {
    const enc = lwm2mCborCodec.encode(DEVICE_NODE, p('/3/0'), TEST_MODEL);
    expect(enc.includes(hex('0d c1 1a 5182428f'))).toBe(true);
    expectNode(lwm2mCborCodec.decode(enc, p('/3/0'), TEST_MODEL), DEVICE_NODE);
  });

  it('round-trips composite leaves from several objects', () => {
    const leaves = [leaf('/3/0/9', 95), leaf('/3/0/6/0', 1), leaf('/3/0/6/1', 5), leaf('/6/0/0', 43.5), leaf('/1024/3/6', '3:0')];
    const back = lwm2mCborCodec.decodeLeaves!(lwm2mCborCodec.encodeLeaves!(leaves, TEST_MODEL), TEST_MODEL);
    expect(leavesEqual(back, leaves)).toBe(true);
    expectNode(lwm2mCborCodec.decode(lwm2mCborCodec.encodeLeaves!(leaves.slice(1, 3), TEST_MODEL), p('/3/0/6'), TEST_MODEL), multiple(6, { 0: 1, 1: 5 }));
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (h: string, path: string, message: RegExp) => expectProtocolError(() => decode(h, path, TEST_MODEL), 'CODEC_DECODE', message);
    it('a payload that is not a map', () => bad('81 01', '/3/0/9', /LwM2M CBOR payload is not a CBOR map/));
    it('a text key', () => bad('A1 61 33 01', '/3/0/9', /map key under \/ is "3", not a path id/));
    it('an id beyond 65535', () => bad('A1 83 0D 1A 00011170 01 01', '/13', /path id 70000 under \/ is not an integer in 0..65535/));
    it('a path of five ids', () => bad('A1 85 01 02 03 04 05 01', '/1', /path \/1\/2\/3\/4\/5 has more than 4 levels/));
    it('a value at object level', () => bad('A1 03 01', '/3', /\/3 is not a resource or resource instance/));
    it('a duplicate path', () => bad('A2 83 03 00 09 01 03 A1 00 A1 09 02', '/3/0', /duplicate value for \/3\/0\/9/));
    it('a path outside the request', () => bad('A1 83 04 00 00 01', '/3/0', /\/4\/0\/0 is outside the requested path \/3\/0/));
    it('a null value', () => bad('A1 83 03 00 09 F6', '/3/0/9', /value is null, not a resource value/));
    it('a text for an integer resource', () => bad('A1 83 03 00 09 61 31', '/3/0/9', /value "1" does not fit a resource of type integer/));
    it('an empty array key', () => bad('A1 80 01', '/3', /empty path array key/));
    it('trailing bytes', () => bad('A1 83 03 00 09 01 00', '/3/0/9', /1 trailing bytes/));
  });

  it('refuses to encode overlapping leaves', () => {
    expectProtocolError(() => lwm2mCborCodec.encodeLeaves!([leaf('/3/0/9', 1), leaf('/3/0/9', 2)], TEST_MODEL), 'CODEC_ENCODE', /duplicate or overlapping value for \/3\/0\/9/);
  });
});
