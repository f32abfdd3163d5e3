import { describe, expect, it } from 'vitest';
import { codecFor, decodeLeaves, decodeNode, decodePathList, encodeLeaves, encodeNode, encodePathList, supportedContentFormats } from '../../../protocol/lwm2m/codec/codec.ts';
import { leaf, leavesEqual, nodeToLeaves } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, DEVICE_TLV, object, single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);

describe('codec registry', () => {
  it('looks codecs up by content format, legacy codes included', () => {
    expect(codecFor(11542).name).toBe('application/vnd.oma.lwm2m+tlv');
    expect(codecFor(1542)).toBe(codecFor(11542));
    expect(codecFor(1543)).toBe(codecFor(11543));
    expect(codecFor(110).composite).toBe(true);
    expect(codecFor(0).composite).toBe(false);
    expect(supportedContentFormats()).toEqual([0, 42, 60, 110, 112, 11542, 11543, 11544, 1542, 1543]);
    for (const cf of supportedContentFormats()) expect(codecFor(cf).contentFormat === cf || cf === 1542 || cf === 1543).toBe(true);
  });

  it('refuses an unknown format with CODEC_UNSUPPORTED_FORMAT', () => {
    expectProtocolError(() => codecFor(40), 'CODEC_UNSUPPORTED_FORMAT', /no codec for application\/link-format \(content format 40\)/);
    expectProtocolError(() => decodeNode(9999, Buffer.alloc(0), p('/3/0'), TEST_MODEL), 'CODEC_UNSUPPORTED_FORMAT', /content format 9999/);
    expectProtocolError(() => encodeLeaves(11542, [leaf('/3/0/9', 1)], TEST_MODEL), 'CODEC_UNSUPPORTED_FORMAT', /tlv cannot carry values of several paths/);
    expectProtocolError(() => encodePathList(60 as 110, [p('/3')]), 'CODEC_UNSUPPORTED_FORMAT', /path list needs SenML/);
  });

  it('carries the Device instance through every format that can hold an instance', () => {
    const node = decodeNode(11542, DEVICE_TLV, p('/3/0'), TEST_MODEL);
    for (const cf of [11542, 110, 112, 11543, 11544, 1542, 1543]) {
      const back = decodeNode(cf, encodeNode(cf, node, p('/3/0'), TEST_MODEL), p('/3/0'), TEST_MODEL);
      expectNode(back, DEVICE_NODE);
    }
  });

  it('carries one resource value through every format', () => {
    for (const cf of [0, 60, 110, 112, 11542, 11543, 11544]) {
      expectNode(decodeNode(cf, encodeNode(cf, single(9, 95), p('/3/0/9'), TEST_MODEL), p('/3/0/9'), TEST_MODEL), single(9, 95));
    }
    expectNode(decodeNode(42, encodeNode(42, single(0, hex('0102')), p('/5/0/0'), TEST_MODEL), p('/5/0/0'), TEST_MODEL), single(0, hex('0102')));
  });

  it('decodes leaves from any format given the request path, and from composite formats without one', () => {
    const leaves = decodeLeaves(11542, DEVICE_TLV, TEST_MODEL, p('/3/0'));
    expect(leavesEqual(leaves, nodeToLeaves(DEVICE_NODE, p('/3/0')))).toBe(true);
    const send = encodeLeaves(112, [leaf('/3/0/9', 95), leaf('/6/0/0', 1.5)], TEST_MODEL);
    expect(leavesEqual(decodeLeaves(112, send, TEST_MODEL), [leaf('/3/0/9', 95), leaf('/6/0/0', 1.5)])).toBe(true);
    expectProtocolError(() => decodeLeaves(11542, DEVICE_TLV, TEST_MODEL), 'CODEC_UNSUPPORTED_FORMAT', /give the request path/);
    expectProtocolError(() => decodeLeaves(112, send, TEST_MODEL, p('/3')), 'CODEC_DECODE', /\/6\/0\/0 is outside the requested path \/3/);
  });

  it('encodes and decodes Read-Composite path lists (OMA TS Core 1.1 §6.3.8, SenML: [{"n":"/3/0/9"},{"n":"/6/0"}])', () => {
    const paths = [p('/3/0/9'), p('/6/0')];
    expect(encodePathList(110, paths).toString()).toBe('[{"n":"/3/0/9"},{"n":"/6/0"}]');
    expect(encodePathList(112, paths).toString('hex')).toBe('82a100662f332f302f39a100642f362f30');
    for (const cf of [110, 112] as const) expect(decodePathList(cf, encodePathList(cf, paths)).map(String)).toEqual(['/3/0/9', '/6/0']);
    expect(decodePathList(110, Buffer.from('[{"bn":"/4/0/","n":"0"},{"n":"1"},{"n":"2"}]')).map(String)).toEqual(['/4/0/0', '/4/0/1', '/4/0/2']);
    expect(decodePathList(110, Buffer.from('[{"n":"/"}]')).map(String)).toEqual(['/']);
  });

  it('rejects path lists carrying values or times (Leshan senml_json_decode_invalid_path_with_value/_timestamp)', () => {
    expectProtocolError(() => decodePathList(110, Buffer.from('[{"bn":"/4/0/","n":"0"},{"n":"1","v":200}]')), 'CODEC_DECODE', /path list record 1 \(\/4\/0\/1\) carries a value/);
    expectProtocolError(() => decodePathList(110, Buffer.from('[{"n":"/4/0/1","t":20000000}]')), 'CODEC_DECODE', /carries a time/);
    expectProtocolError(() => decodePathList(110, Buffer.from('[{"n":"/4/0/1"},{"n":"/4/0/1"}]')), 'CODEC_DECODE', /duplicate path \/4\/0\/1/);
    expectProtocolError(() => decodePathList(112, hex('81 a1 00 62 2f78')), 'CODEC_DECODE', /name "\/x" is not a valid LwM2M path/);
  });

  it('keeps format rules apart: a name without a leading slash passes LwM2M JSON but not SenML, in either order', () => {
    const lwm2mJson = Buffer.from('{"e":[{"n":"3/0/9","v":1}]}');
    const senml = Buffer.from('[{"n":"3/0/9","v":1}]');
    expectNode(decodeNode(11543, lwm2mJson, p('/3/0/9'), TEST_MODEL), single(9, 1));
    expectProtocolError(() => decodeNode(110, senml, p('/3/0/9'), TEST_MODEL), 'CODEC_DECODE', /name "3\/0\/9" is not a valid LwM2M path/);
    expectNode(decodeNode(11543, lwm2mJson, p('/3/0/9'), TEST_MODEL), single(9, 1));
  });

  it('guards codecs so nothing but ProtocolError escapes', () => {
    const throwingModel = { object: () => undefined, resource: () => { throw new TypeError('boom'); } };
    expectProtocolError(() => decodeNode(11542, hex('C1 09 64'), p('/3/0/9'), throwingModel), 'CODEC_DECODE', /application\/vnd.oma.lwm2m\+tlv payload for \/3\/0\/9: boom/);
    expectProtocolError(() => encodeNode(110, object(3, []), p('/3/0'), TEST_MODEL), 'CODEC_ENCODE', /object node cannot sit at \/3\/0/);
  });
});
