import { describe, expect, it } from 'vitest';
import { opaqueCodec } from '../../../protocol/lwm2m/codec/opaque.ts';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { multiple, single } from './fixtures.ts';
import { expectNode, expectProtocolError, hex } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);

describe('application/octet-stream codec (OMA TS Core §7.4.2)', () => {
  it('round-trips the raw bytes of an opaque resource (/5/0/0 firmware package)', () => {
    const bytes = hex('00 01 FE FF 7F 80');
    const node = opaqueCodec.decode(bytes, p('/5/0/0'), TEST_MODEL);
    expectNode(node, single(0, bytes));
    expect(opaqueCodec.encode(node, p('/5/0/0'), TEST_MODEL).equals(bytes)).toBe(true);
  });

  it('copies the payload so the value does not alias the datagram', () => {
    const bytes = hex('0102');
    const node = opaqueCodec.decode(bytes, p('/5/0/0'), TEST_MODEL) as unknown as { value: Buffer };
    bytes[0] = 9;
    expect(node.value[0]).toBe(1);
  });

  it('decodes an empty payload as an empty value and any resource without a model as bytes', () => {
    expectNode(opaqueCodec.decode(Buffer.alloc(0), p('/5/0/0'), TEST_MODEL), single(0, Buffer.alloc(0)));
    expectNode(opaqueCodec.decode(hex('AB'), p('/31024/0/1/2'), EMPTY_MODEL), { kind: 'resourceInstance', id: 2, value: hex('AB') });
  });

  it('rejects a resource that is not opaque, and paths that are not one value', () => {
    expectProtocolError(() => opaqueCodec.decode(hex('41'), p('/3/0/0'), TEST_MODEL), 'CODEC_DECODE', /\/3\/0\/0: opaque payload value 1 bytes does not fit a resource of type string/);
    expectProtocolError(() => opaqueCodec.decode(hex('41'), p('/5/0'), TEST_MODEL), 'CODEC_DECODE', /\/5\/0 is not a resource or resource instance/);
    expectProtocolError(() => opaqueCodec.decode(hex('41'), p('/1024/0/5'), TEST_MODEL), 'CODEC_DECODE', /cannot carry the multiple resource \/1024\/0\/5/);
  });

  it('refuses to encode anything but bytes', () => {
    expectProtocolError(() => opaqueCodec.encode(single(0, 'text'), p('/3/0/0'), TEST_MODEL), 'CODEC_ENCODE', /only opaque resources; \/3\/0\/0 is string/);
    expectProtocolError(() => opaqueCodec.encode(single(1, 5), p('/31024/0/1'), EMPTY_MODEL), 'CODEC_ENCODE', /only bytes; the value at \/31024\/0\/1 is integer/);
    expectProtocolError(() => opaqueCodec.encode(multiple(5, { 0: hex('01') }), p('/1024/0/5'), TEST_MODEL), 'CODEC_ENCODE', /cannot carry the multiple resource/);
  });
});
