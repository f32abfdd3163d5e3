import { describe, expect, it } from 'vitest';
import { lwm2mJsonCodec } from '../../../protocol/lwm2m/codec/lwm2m-json.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { leaf, leavesEqual } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_LWM2M_JSON, DEVICE_NODE, instance, multiple, object, single } from './fixtures.ts';
import { expectNode, expectProtocolError } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const buf = (s: string) => Buffer.from(s, 'utf8');
const decode = (text: string, path: string, model = TEST_MODEL) => lwm2mJsonCodec.decode(buf(text), p(path), model);
const encode = (node: LwM2mNode, path: string, model = TEST_MODEL) => lwm2mJsonCodec.encode(node, p(path), model).toString('utf8');

/** Name variants of the 1.0 Device example, as Leshan's LwM2mNodeDecoderTest exercises them. */
function withNames(bn: string | undefined, prefix: string): string {
  const body = DEVICE_LWM2M_JSON.slice(DEVICE_LWM2M_JSON.indexOf('"e"')).replace(/"n":"/g, `"n":"${prefix}`);
  return bn === undefined ? `{${body}` : `{"bn":"${bn}",${body}`;
}

describe('LwM2M JSON codec (OMA TS Core 1.0 §6.4.4)', () => {
  it('round-trips the Device instance example byte for byte', () => {
    expectNode(decode(DEVICE_LWM2M_JSON, '/3/0'), DEVICE_NODE);
    expect(encode(DEVICE_NODE, '/3/0')).toBe(DEVICE_LWM2M_JSON);
  });

  it('accepts a root base name, no base name, and a base name without the leading slash', () => {
    expectNode(decode(withNames('/', '3/0/'), '/3/0'), DEVICE_NODE);
    expectNode(decode(withNames(undefined, '/3/0/'), '/3/0'), DEVICE_NODE);
    expectNode(decode(withNames('3/0/', ''), '/3/0'), DEVICE_NODE);
  });

  it('joins base name and name even inside an id (Leshan json_cut_basename_name_in_the_middle_of_an_id)', () => {
    expectNode(decode('{"bn":"3/0/1","e":[{"n":"1/0","v":0},{"n":"1/1","v":0}]}', '/3/0/11'), multiple(11, { 0: 0, 1: 0 }));
  });

  it('decodes a custom object without a model: sv, v, bv (Leshan json_custom_object_instance)', () => {
    expectNode(decode('{"bn":"1024/0/", "e":[{"n":"0","sv":"a string"},{"n":"1","v":10.5},{"n":"2","bv":true}]}', '/1024/0', EMPTY_MODEL),
      instance(0, [single(0, 'a string'), single(1, 10.5), single(2, true)]));
  });

  it('types opaque from base64 in sv and object links from ov, and writes them back', () => {
    expectNode(decode('{"bn":"/5/0/0","e":[{"sv":"AQIDBAU="}]}', '/5/0/0'), single(0, Buffer.from([1, 2, 3, 4, 5])));
    expect(encode(single(0, Buffer.from([1, 2, 3, 4, 5])), '/5/0/0')).toBe('{"bn":"/5/0/0","e":[{"sv":"AQIDBAU="}]}');
    expectNode(decode('{"bn":"/66/0/2","e":[{"ov":"67:0"}]}', '/66/0/2'), single(2, '67:0'));
    expect(encode(single(2, '67:0'), '/66/0/2')).toBe('{"bn":"/66/0/2","e":[{"ov":"67:0"}]}');
  });

  it('decodes an empty entry list as an empty object, instance or multiple resource', () => {
    expectNode(decode('{"e":[]}', '/2'), object(2, []));
    expectNode(decode('{"bn":"2/0","e":[]}', '/2/0'), instance(0, []));
    expectNode(decode('{"e":[]}', '/3/0/6'), multiple(6, {}));
  });

  it('resolves bt + t as absolute seconds (Leshan json_timestamped_resources)', () => {
    const leaves = lwm2mJsonCodec.decodeLeaves!(buf('{"bn":"/6/0/0","e":[{"v":22.9,"t":-30},{"v":22.4,"t":-5},{"v":24.1,"t":-50}],"bt":25462634}'), TEST_MODEL);
    expect(leaves.map((l) => [l.value, l.timestamp?.getTime()])).toEqual([
      [22.9, (25462634 - 30) * 1000],
      [22.4, (25462634 - 5) * 1000],
      [24.1, (25462634 - 50) * 1000],
    ]);
  });

  it('encodes composite leaves with full names', () => {
    const leaves = [leaf('/3/0/9', 95), leaf('/3/0/22/0', '66:0'), leaf('/1024/0/2', false)];
    const text = lwm2mJsonCodec.encodeLeaves!(leaves, TEST_MODEL).toString();
    expect(text).toBe('{"e":[{"n":"/3/0/9","v":95},{"n":"/3/0/22/0","ov":"66:0"},{"n":"/1024/0/2","bv":false}]}');
    expect(leavesEqual(lwm2mJsonCodec.decodeLeaves!(buf(text), TEST_MODEL), leaves)).toBe(true);
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (text: string, path: string, message: RegExp) => expectProtocolError(() => decode(text, path), 'CODEC_DECODE', message);
    it('an empty object (Leshan json_empty_object)', () => bad('{}', '/2', /"e" must be an array of entries, got missing/));
    it('JSON that does not parse', () => bad('{"e":[', '/3/0', /invalid JSON at offset 6: unexpected end of input/));
    it('a payload that is not an object', () => bad('[]', '/3/0', /payload is an array, not an object/));
    it('an entry without a value (Leshan json_missing_value_for_resource)', () => bad('{"bn":"2/0/","e":[{"n":"0"}]}', '/2/0/0', /entry 0 \(\/2\/0\/0\) has no value/));
    it('two resources with the same id', () => bad('{"bn":"3/0/","e":[{"n":"1","sv":"client1"},{"n":"1","sv":"client2"}]}', '/3/0', /entry 1: duplicate value for \/3\/0\/1/));
    it('two resource instances with the same id', () => bad('{"bn":"3/0/11/","e":[{"n":"1","v":2},{"n":"1","v":0}]}', '/3/0/11', /duplicate value for \/3\/0\/11\/1/));
    it('an invalid name', () => bad('{"bn":"/3/0/","e":[{"n":"x","v":1}]}', '/3/0', /entry 0: name "\/3\/0\/x" is not a valid LwM2M path/));
    it('an entry outside the requested path', () => bad('{"e":[{"n":"/4/0/0","v":1}]}', '/3/0', /\/4\/0\/0 is outside the requested path \/3\/0/));
    it('a string for an integer', () => bad('{"e":[{"n":"/3/0/9","sv":"95"}]}', '/3/0/9', /sv value "95" does not fit a resource of type integer/));
    it('a number for a string', () => bad('{"e":[{"n":"/3/0/0","v":95}]}', '/3/0/0', /v value 95 does not fit a resource of type string/));
    it('a bv that is not a boolean', () => bad('{"e":[{"n":"/1024/0/2","bv":1}]}', '/1024/0/2', /"bv" must be a boolean, got a number/));
    it('an invalid object link', () => bad('{"e":[{"n":"/66/0/2","ov":"67-0"}]}', '/66/0/2', /ov value "67-0" is not an object link/));
    it('a bn of the wrong type', () => bad('{"bn":1,"e":[]}', '/3/0', /"bn" must be a string, got a number/));
    it('invalid UTF-8', () => expectProtocolError(() => lwm2mJsonCodec.decode(Buffer.from([0x7b, 0xc0, 0x7d]), p('/3/0'), TEST_MODEL), 'CODEC_DECODE', /invalid UTF-8 in LwM2M JSON payload/));
  });

  it('refuses to encode a string for an integer resource', () => {
    expectProtocolError(() => encode(single(9, 'x'), '/3/0/9'), 'CODEC_ENCODE', /type integer/);
  });
});
