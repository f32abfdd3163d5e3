import { describe, expect, it } from 'vitest';
import { senmlJsonCodec } from '../../../protocol/lwm2m/codec/senml-json.ts';
import type { LwM2mTimedLeaf } from '../../../protocol/lwm2m/codec/types.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { leaf, leavesEqual } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, DEVICE_SENML_JSON, instance, multiple, object, single } from './fixtures.ts';
import { expectNode, expectProtocolError } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const buf = (s: string) => Buffer.from(s, 'utf8');
const decode = (text: string, path: string, model = TEST_MODEL) => senmlJsonCodec.decode(buf(text), p(path), model);
const encode = (node: LwM2mNode, path: string, model = TEST_MODEL) => senmlJsonCodec.encode(node, p(path), model).toString('utf8');
const decodeLeaves = (text: string, model = TEST_MODEL, base?: string) => senmlJsonCodec.decodeLeaves!(buf(text), model, base === undefined ? undefined : p(base));

describe('SenML JSON codec (RFC 8428, OMA TS Core 1.1 §7.4.4)', () => {
  it('round-trips the SenML example (RFC 8428; OMA TS Core 1.1 §7.4) [{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"9","v":95}]', () => {
    const text = '[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"9","v":95}]';
    const node = instance(0, [single(0, 'ACME'), single(9, 95)]);
    expectNode(decode(text, '/3/0'), node);
    expect(encode(node, '/3/0')).toBe(text);
  });

  it('round-trips the Device instance (Leshan senml_json_decode_device_object_instance)', () => {
    expectNode(decode(DEVICE_SENML_JSON, '/3/0'), DEVICE_NODE);
    expect(encode(DEVICE_NODE, '/3/0')).toBe(DEVICE_SENML_JSON);
  });

  it('encodes a single resource with the path as base name and no name', () => {
    expect(encode(single(9, 95), '/3/0/9')).toBe('[{"bn":"/3/0/9","v":95}]');
    expectNode(decode('[{"bn":"/3/0/9","v":95}]', '/3/0/9'), single(9, 95));
    expectNode(decode('[{"n":"/3/0/9","v":95}]', '/3/0/9'), single(9, 95));
  });

  it('resolves base names across records and decodes an object (Leshan senml_json_decode_acl_object shape)', () => {
    const text = '[{"bn":"/1/3/","n":"0","v":3},{"n":"1","v":1},{"bn":"/1/2/","n":"0","v":4},{"n":"7","vs":"U"}]';
    expectNode(decode(text, '/1'), object(1, [instance(3, [single(0, 3), single(1, 1)]), instance(2, [single(0, 4), single(7, 'U')])]));
  });

  it('types values by the model: time, object link, opaque (vd base64url, padded or not), boolean', () => {
    expectNode(decode('[{"n":"/3/0/13","v":1367491215}]', '/3/0/13'), single(13, new Date(1367491215000)));
    expectNode(decode('[{"bn":"/3/0/22/","n":"0","vlo":"66:0"},{"n":"1","vlo":"66:1"}]', '/3/0/22'), multiple(22, { 0: '66:0', 1: '66:1' }));
    expectNode(decode('[{"n":"/5/0/0","vd":"AQIDBAU"}]', '/5/0/0'), single(0, Buffer.from([1, 2, 3, 4, 5])));
    expectNode(decode('[{"n":"/5/0/0","vd":"AQIDBAU="}]', '/5/0/0'), single(0, Buffer.from([1, 2, 3, 4, 5])));
    expectNode(decode('[{"n":"/1024/0/2","vb":true}]', '/1024/0/2'), single(2, true));
    expect(encode(single(0, Buffer.from([0xfb, 0xff])), '/5/0/0')).toBe('[{"bn":"/5/0/0","vd":"-_8"}]');
    expect(encode(multiple(22, { 0: '66:0' }), '/3/0/22')).toBe('[{"bn":"/3/0/22/","n":"0","vlo":"66:0"}]');
  });

  it('decodes integers beyond 2^53 to bigint and writes them back exactly (Leshan senml_json_decode_long/ulong)', () => {
    expectNode(decode('[{"n":"/1024/0/7","v":9223372036854775800}]', '/1024/0/7'), single(7, 9223372036854775800n));
    expectNode(decode('[{"n":"/1024/0/1","v":18446744073709551615}]', '/1024/0/1'), single(1, 18446744073709551615n));
    expect(encode(single(7, 9223372036854775800n), '/1024/0/7')).toBe('[{"bn":"/1024/0/7","v":9223372036854775800}]');
  });

  it('accepts exponent notation for a whole time (Leshan senml_json_decode_single_resource_using_exponantial_notation)', () => {
    expectNode(decode('[{"bn":"/3/0/13","v":1.638435E9}]', '/3/0/13'), single(13, new Date(1638435000000)));
  });

  it('decodes an empty payload or an empty pack as an empty multiple resource (OMA LwM2M issue 494)', () => {
    expectNode(decode('', '/3/0/6'), multiple(6, {}));
    expectNode(decode('[]', '/3/0/6'), multiple(6, {}));
  });

  it('without a model keeps the wire types', () => {
    expectNode(decode('[{"bn":"/31024/1/","n":"1","v":1.5},{"n":"2","vs":"x"},{"n":"3","vb":false},{"n":"4","vd":"AQ"}]', '/31024/1', EMPTY_MODEL),
      instance(1, [single(1, 1.5), single(2, 'x'), single(3, false), single(4, Buffer.from([1]))]));
  });

  describe('composite (Read-Composite answers, Send, Observe-Composite)', () => {
    it('decodes mixed paths with base names (Leshan senml_json_decode_mixed_resource_and_instance)', () => {
      const text = '[{"bn":"/3/0/9","v":45},{"bn":"/6/0/","n":"0","v":43.918998},{"n":"1","v":2.351149},{"n":"5","v":1610029880}]';
      const leaves = decodeLeaves(text);
      expect(leavesEqual(leaves, [leaf('/3/0/9', 45), leaf('/6/0/0', 43.918998), leaf('/6/0/1', 2.351149), leaf('/6/0/5', new Date(1610029880000))])).toBe(true);
    });

    it('encodes leaves with full names', () => {
      const out = senmlJsonCodec.encodeLeaves!([leaf('/3/0/9', 95), leaf('/6/0/0', 43.5)], TEST_MODEL).toString();
      expect(out).toBe('[{"n":"/3/0/9","v":95},{"n":"/6/0/0","v":43.5}]');
    });

    it('resolves bt + t: absolute from 2^28 on (RFC 8428 §4.5.3), relative to now below', () => {
      const leaves = decodeLeaves('[{"bn":"/6/0/","bt":268600000,"n":"0","v":43.9},{"n":"1","v":2.3,"t":-5}]');
      expect(leaves.map((l) => l.timestamp?.getTime())).toEqual([268600000000, 268599995000]);
      const before = Date.now();
      const [relative] = decodeLeaves('[{"n":"/6/0/0","v":1,"t":-60}]');
      expect(relative.timestamp!.getTime()).toBeGreaterThanOrEqual(before - 60000 - 1);
      expect(relative.timestamp!.getTime()).toBeLessThanOrEqual(Date.now() - 60000 + 1);
    });

    it('keeps a time series of one path in leaves but refuses it as a node', () => {
      const text = '[{"bn":"/6/0/0","bt":268600000,"v":1},{"v":2,"t":-5},{"v":3,"t":-50}]';
      expect(decodeLeaves(text).map((l) => l.value)).toEqual([1, 2, 3]);
      expectProtocolError(() => decode(text, '/6/0/0'), 'CODEC_DECODE', /duplicate value for \/6\/0\/0/);
    });

    it('writes leaf timestamps as t', () => {
      const timed: LwM2mTimedLeaf = { ...leaf('/6/0/0', 1.5), timestamp: new Date(268600000500) };
      expect(senmlJsonCodec.encodeLeaves!([timed], TEST_MODEL).toString()).toBe('[{"n":"/6/0/0","v":1.5,"t":268600000.5}]');
    });
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (text: string | Buffer, path: string, message: RegExp) =>
      expectProtocolError(() => senmlJsonCodec.decode(typeof text === 'string' ? buf(text) : text, p(path), TEST_MODEL), 'CODEC_DECODE', message);
    it('JSON that does not parse', () => bad('[{"n":"/3/0/9","v":95}', '/3/0/9', /SenML JSON: invalid JSON at offset 22: expected ',' or ']'/));
    it('a pack that is not an array', () => bad('{"n":"/3/0/9","v":95}', '/3/0/9', /payload is not a JSON array of records/));
    it('a record that is not an object', () => bad('[1]', '/3/0/9', /record 0 is a number, not an object/));
    it('a name that is not an LwM2M path (RFC 8428 example)', () => bad('[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]', '/3/0/9', /record 0: name "urn:dev:ow:10e2073a01080063" is not a valid LwM2M path/));
    it('an invalid base name', () => bad('[{"bn":"/3/x/","n":"0","vs":"a"}]', '/3/0', /name "\/3\/x\/0" is not a valid LwM2M path/));
    it('a base name of the wrong type', () => bad('[{"bn":3,"n":"0","vs":"a"}]', '/3/0', /record 0: "bn" must be a string, got a number/));
    it('a record outside the requested path', () => bad('[{"n":"/4/0/0","v":1}]', '/3/0', /record 0: \/4\/0\/0 is outside the requested path \/3\/0/));
    it('a v for a string resource', () => bad('[{"n":"/3/0/0","v":5}]', '/3/0/0', /\/3\/0\/0\): v value 5 does not fit a resource of type string/));
    it('a fractional v for an integer resource', () => bad('[{"n":"/3/0/9","v":9.5}]', '/3/0/9', /v value 9.5 is not a 64-bit integer/));
    it('a vs for an integer resource', () => bad('[{"n":"/3/0/9","vs":"95"}]', '/3/0/9', /vs value "95" does not fit a resource of type integer/));
    it('a vs for an object link', () => bad('[{"n":"/3/0/22/0","vs":"66:0"}]', '/3/0/22/0', /does not fit a resource of type objlnk/));
    it('an invalid object link', () => bad('[{"n":"/3/0/22/0","vlo":"66"}]', '/3/0/22/0', /vlo value "66" is not an object link/));
    it('a duplicate path', () => bad('[{"n":"/3/0/9","v":1},{"n":"/3/0/9","v":2}]', '/3/0', /record 1: duplicate value for \/3\/0\/9/));
    it('a record without a value', () => bad('[{"n":"/3/0/9"}]', '/3/0/9', /record 0 \(\/3\/0\/9\) has no value/));
    it('a record with two values', () => bad('[{"n":"/3/0/9","v":1,"vs":"1"}]', '/3/0/9', /has 2 values/));
    it('a record without a name', () => bad('[{"v":1}]', '/3/0/9', /record 0 has no name/));
    it('a value on an object instance name', () => bad('[{"n":"/3/0","v":1}]', '/3', /\/3\/0 is not a resource or resource instance/));
    it('an unknown must-understand label', () => bad('[{"n":"/3/0/9","v":1,"foo_":2}]', '/3/0/9', /must-understand label "foo_"/));
    it('invalid UTF-8', () => bad(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), '/3/0/9', /invalid UTF-8 in SenML JSON payload/));
    it('invalid base64url in vd', () => bad('[{"n":"/5/0/0","vd":"A*=="}]', '/5/0/0', /"vd": invalid base64 character "\*" at offset 1/));
    it('a duplicate key in a record', () => bad('[{"n":"/3/0/9","v":1,"v":2}]', '/3/0/9', /duplicate key "v"/));
    it('nesting too deep', () => bad('['.repeat(40) + ']'.repeat(40), '/3/0/9', /nesting deeper than 16 levels/));
    it('a number out of range', () => bad('[{"n":"/6/0/0","v":1e400}]', '/6/0/0', /number 1e400 is out of the float64 range/));
    it('a multiple resource given a single value', () => bad('[{"n":"/3/0/6","v":1}]', '/3/0/6', /\/3\/0\/6 is a multiple resource but a single value was given/));
  });

  describe('encoder rejects values that do not fit (CODEC_ENCODE)', () => {
    const bad = (node: LwM2mNode, path: string, message: RegExp) => expectProtocolError(() => encode(node, path), 'CODEC_ENCODE', message);
    it('a string for an integer resource', () => bad(single(9, '95'), '/3/0/9', /value "95" \(string\) does not fit a resource of type integer/));
    it('NaN', () => bad(single(0, NaN), '/6/0/0', /has no JSON form/));
    it('a value at an object instance path among composite leaves', () =>
      expectProtocolError(() => senmlJsonCodec.encodeLeaves!([leaf('/3/0', 1)], TEST_MODEL), 'CODEC_ENCODE', /\/3\/0 is not a resource or resource instance/));
  });
});
