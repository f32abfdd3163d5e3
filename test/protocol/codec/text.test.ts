import { describe, expect, it } from 'vitest';
import { textCodec } from '../../../protocol/lwm2m/codec/text.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { multiple, single } from './fixtures.ts';
import { expectNode, expectProtocolError } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);
const decode = (text: string | Buffer, path: string, model = TEST_MODEL) => textCodec.decode(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, p(path), model);
const encode = (node: LwM2mNode, path: string, model = TEST_MODEL) => textCodec.encode(node, p(path), model).toString('utf8');

describe('text/plain codec (OMA TS Core §7.4.1, Appendix C)', () => {
  it('round-trips a string resource', () => {
    expectNode(decode('Open Mobile Alliance', '/3/0/0'), single(0, 'Open Mobile Alliance'));
    expect(encode(single(0, 'Open Mobile Alliance'), '/3/0/0')).toBe('Open Mobile Alliance');
  });

  it('types integers, including -750 from Appendix C', () => {
    expectNode(decode('100', '/3/0/9'), single(9, 100));
    expectNode(decode('-750', '/3/0/9'), single(9, -750));
    expect(encode(single(9, -750), '/3/0/9')).toBe('-750');
  });

  it('decodes integers beyond 2^53 to bigint', () => {
    expectNode(decode('9223372036854775807', '/1024/0/7'), single(7, 2n ** 63n - 1n));
    expectNode(decode('18446744073709551615', '/1024/0/1'), single(1, 2n ** 64n - 1n));
  });

  it('types time as integer seconds: "1476186613" is 2016-10-11T11:50:13Z (Appendix C)', () => {
    expectNode(decode('1476186613', '/3/0/13'), single(13, new Date('2016-10-11T11:50:13Z')));
    expect(encode(single(13, new Date('2016-10-11T11:50:13Z')), '/3/0/13')).toBe('1476186613');
  });

  it('types floats: "0.00000000006667" is 6.667e-11 (Appendix C)', () => {
    expectNode(decode('0.00000000006667', '/6/0/0'), single(0, 6.667e-11));
    expectNode(decode('-43.5', '/6/0/0'), single(0, -43.5));
    expect(encode(single(0, 43.918998), '/6/0/0')).toBe('43.918998');
  });

  it('types booleans as 0 and 1', () => {
    expectNode(decode('1', '/1024/0/2'), single(2, true));
    expectNode(decode('0', '/1024/0/2'), single(2, false));
    expect(encode(single(2, true), '/1024/0/2')).toBe('1');
  });

  it('types object links as O:I', () => {
    expectNode(decode('66:0', '/3/0/22/0'), { kind: 'resourceInstance', id: 0, value: '66:0' });
    expect(encode({ kind: 'resourceInstance', id: 0, value: '66:0' }, '/3/0/22/0')).toBe('66:0');
  });

  it('types opaque as base64: 01 02 03 04 05 is "AQIDBAU=" (Appendix C)', () => {
    expectNode(decode('AQIDBAU=', '/5/0/0'), single(0, Buffer.from([1, 2, 3, 4, 5])));
    expect(encode(single(0, Buffer.from([1, 2, 3, 4, 5])), '/5/0/0')).toBe('AQIDBAU=');
  });

  it('without a model decodes numeric-looking text to numbers and anything else to strings', () => {
    expectNode(decode('123', '/31024/0/1', EMPTY_MODEL), single(1, 123));
    expectNode(decode('-1.5e3', '/31024/0/1', EMPTY_MODEL), single(1, -1500));
    expectNode(decode('12345678901234567890', '/31024/0/1', EMPTY_MODEL), single(1, 12345678901234567890n));
    expectNode(decode('+02:00', '/31024/0/1', EMPTY_MODEL), single(1, '+02:00'));
    expectNode(decode('', '/31024/0/1', EMPTY_MODEL), single(1, ''));
  });

  describe('rejects malformed input with CODEC_DECODE', () => {
    const bad = (text: string | Buffer, path: string, message: RegExp) => expectProtocolError(() => decode(text, path), 'CODEC_DECODE', message);
    it('an integer with a letter', () => bad('12a', '/3/0/9', /text\/plain \/3\/0\/9: "12a" is not an integer/));
    it('a fraction for an integer', () => bad('1.5', '/3/0/9', /"1.5" is not an integer/));
    it('an integer beyond 64 bits', () => bad('9223372036854775808', '/3/0/9', /is not a 64-bit integer/));
    it('a negative unsigned integer', () => bad('-1', '/1024/0/1', /is not an unsigned integer/));
    it('a boolean other than 0/1', () => bad('true', '/1024/0/2', /is not a boolean \(0 or 1\)/));
    it('a float that is not decimal', () => bad('NaN', '/6/0/0', /"NaN" is not a decimal number/));
    it('an object link out of range', () => bad('70000:1', '/1024/0/6', /is not an object link "O:I"/));
    it('invalid base64 for opaque', () => bad("!,-INVALID$_'", '/5/0/0', /invalid base64 character "!" at offset 0/));
    it('invalid UTF-8', () => bad(Buffer.from([0x41, 0xc3, 0x28]), '/3/0/0', /invalid UTF-8 in text\/plain payload for \/3\/0\/0/));
    it('an object instance path', () => bad('x', '/3/0', /\/3\/0 is not a resource or resource instance/));
    it('a multiple resource', () => bad('1', '/3/0/6', /cannot carry the multiple resource \/3\/0\/6/));
    it('an instance of a single resource', () => bad('1', '/3/0/9/0', /\/3\/0\/9 is a single resource and has no resource instances/));
    it('an executable resource', () => bad('1', '/3/0/4', /type none carries no value/));
  });

  describe('encoder rejects values that do not fit (CODEC_ENCODE)', () => {
    const bad = (node: LwM2mNode, path: string, message: RegExp) => expectProtocolError(() => encode(node, path), 'CODEC_ENCODE', message);
    it('a string for an integer resource', () => bad(single(9, 'x'), '/3/0/9', /type integer/));
    it('a number for a string resource', () => bad(single(0, 5), '/3/0/0', /type string/));
    it('a multiple resource', () => bad(multiple(6, { 0: 1 }), '/3/0/6', /cannot carry the multiple resource/));
    it('an infinite float', () => bad(single(0, Infinity), '/6/0/0', /has no decimal text form/));
  });
});
