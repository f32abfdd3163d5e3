import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../protocol/errors.ts';
import { decodeMessage, encodeEmpty, encodeMessage, peekHeader } from '../../../protocol/coap/message.ts';
import { CoapType, type CoapMessage } from '../../../protocol/coap/types.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function expectMalformed(buf: Buffer, reason: RegExp): void {
  let caught: unknown;
  try {
    decodeMessage(buf);
  } catch (err) {
    caught = err;
  }
  expect(isProtocolError(caught, 'COAP_MALFORMED'), `${buf.toString('hex')} should be COAP_MALFORMED`).toBe(true);
  expect((caught as Error).message).toMatch(reason);
}

function message(partial: Partial<CoapMessage>): CoapMessage {
  return { type: CoapType.CON, code: 1, messageId: 0x1234, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0), ...partial };
}

describe('CoAP message codec (RFC 7252 §3)', () => {
  it('decodes and re-encodes a CON GET with token and Uri-Path (RFC 7252 Appendix A, figure 16 style)', () => {
    // 0x41 = ver 1, CON, TKL 1; 0x01 = GET; MID 0x7d34; token 0x71; option delta 11 (Uri-Path) length 11.
    const wire = hex('41 01 7d34 71 bb 74656d7065726174757265');
    const msg = decodeMessage(wire);
    expect(msg.type).toBe(CoapType.CON);
    expect(msg.code).toBe(1);
    expect(msg.messageId).toBe(0x7d34);
    expect(msg.token.toString('hex')).toBe('71');
    expect(msg.options).toHaveLength(1);
    expect(msg.options[0].number).toBe(11);
    expect(msg.options[0].value.toString()).toBe('temperature');
    expect(msg.payload.length).toBe(0);
    expect(encodeMessage(msg).equals(wire)).toBe(true);
  });

  it('decodes and re-encodes the piggybacked 2.05 answer with a payload', () => {
    // 0x61 = ver 1, ACK, TKL 1; 0x45 = 2.05; payload "22.3 C" after the 0xFF marker.
    const wire = hex('61 45 7d34 71 ff 32322e332043');
    const msg = decodeMessage(wire);
    expect(msg.type).toBe(CoapType.ACK);
    expect(msg.code).toBe(69);
    expect(msg.payload.toString()).toBe('22.3 C');
    expect(encodeMessage(msg).equals(wire)).toBe(true);
  });

  it('encodes an LwM2M Register with several Uri-Query options and Content-Format 40', () => {
    const msg = message({
      code: 2,
      token: hex('0102030405060708'),
      options: [
        { number: 15, value: Buffer.from('ep=dev1') },
        { number: 11, value: Buffer.from('rd') },
        { number: 12, value: Buffer.from([40]) },
        { number: 15, value: Buffer.from('lt=300') },
      ],
      payload: Buffer.from('</1/0>,</3/0>'),
    });
    const wire = encodeMessage(msg);
    // header, token, Uri-Path(11) "rd", Content-Format(12) 40, Uri-Query(15) x2 in the given order, payload.
    expect(wire.toString('hex')).toBe(
      '48021234' + '0102030405060708' + 'b2' + '7264' + '11' + '28' + '37' + Buffer.from('ep=dev1').toString('hex') + '06' + Buffer.from('lt=300').toString('hex') + 'ff' + Buffer.from('</1/0>,</3/0>').toString('hex'),
    );
    const back = decodeMessage(wire);
    expect(back.options.map((o) => [o.number, o.value.toString('latin1')])).toEqual([
      [11, 'rd'],
      [12, '('],
      [15, 'ep=dev1'],
      [15, 'lt=300'],
    ]);
  });

  it('encodes and decodes empty ACK, RST and ping as exactly 4 bytes', () => {
    expect(encodeEmpty(CoapType.ACK, 0xbeef).toString('hex')).toBe('6000beef');
    expect(encodeEmpty(CoapType.RST, 1).toString('hex')).toBe('70000001');
    const ping = decodeMessage(hex('40000007'));
    expect(ping).toMatchObject({ type: CoapType.CON, code: 0, messageId: 7 });
    expect(encodeMessage(ping).toString('hex')).toBe('40000007');
  });

  describe('option delta and length boundaries (§3.1)', () => {
    // Each case: a value that sits on a boundary of the 4-bit, 1-byte (13) and 2-byte (14) extended forms.
    const cases: { n: number; len: number; header: string }[] = [
      { n: 12, len: 12, header: 'cc' },
      { n: 13, len: 13, header: 'dd0000' },
      { n: 268, len: 268, header: 'ddffff' },
      { n: 269, len: 269, header: 'ee00000000' },
      { n: 270, len: 14, header: 'ed000101' },
      { n: 1, len: 0, header: '10' },
      { n: 65535, len: 65535 + 269, header: 'ee' + (65535 - 269).toString(16).padStart(4, '0') + 'ffff' },
    ];
    for (const { n, len, header } of cases) {
      it(`option ${n} with a ${len}-byte value`, () => {
        const value = Buffer.alloc(len, 0xab);
        const wire = encodeMessage(message({ options: [{ number: n, value }] }));
        expect(wire.subarray(4, 4 + header.length / 2).toString('hex')).toBe(header);
        expect(wire.length).toBe(4 + header.length / 2 + len);
        const back = decodeMessage(wire);
        expect(back.options).toHaveLength(1);
        expect(back.options[0].number).toBe(n);
        expect(back.options[0].value.equals(value)).toBe(true);
      });
    }

    it('computes deltas between consecutive options, not absolute numbers', () => {
      const msg = message({ options: [{ number: 11, value: Buffer.from('a') }, { number: 11, value: Buffer.from('b') }, { number: 60, value: Buffer.from([1]) }, { number: 2048, value: Buffer.alloc(0) }] });
      const wire = encodeMessage(msg);
      // 11: 0xb1 'a'; 11: delta 0 0x01 'b'; 60: delta 49 → 13 ext 36 → 0xd1 0x24; 2048: delta 1988 → 14 ext 1719 → 0xe0 0x06b7
      expect(wire.subarray(4).toString('hex')).toBe('b161' + '0162' + 'd12401' + 'e006b7');
      expect(decodeMessage(wire).options.map((o) => o.number)).toEqual([11, 11, 60, 2048]);
    });
  });

  it('sorts options on encode and keeps repeated options in their given order', () => {
    const msg = message({
      options: [
        { number: 15, value: Buffer.from('q1') },
        { number: 11, value: Buffer.from('a') },
        { number: 15, value: Buffer.from('q2') },
        { number: 11, value: Buffer.from('b') },
        { number: 6, value: Buffer.alloc(0) },
      ],
    });
    const back = decodeMessage(encodeMessage(msg));
    expect(back.options.map((o) => `${o.number}:${o.value.toString()}`)).toEqual(['6:', '11:a', '11:b', '15:q1', '15:q2']);
  });

  describe('rejects malformed datagrams with COAP_MALFORMED naming the problem', () => {
    it('shorter than the header', () => {
      expectMalformed(hex(''), /shorter than the 4-byte header/);
      expectMalformed(hex('400100'), /shorter than the 4-byte header/);
    });
    it('a version other than 1', () => {
      expectMalformed(hex('00010001'), /version 0/);
      expectMalformed(hex('80010001'), /version 2/);
      expectMalformed(hex('c0010001'), /version 3/);
    });
    it('token length 9..15', () => {
      for (let tkl = 9; tkl <= 15; tkl++) expectMalformed(Buffer.concat([Buffer.from([0x40 | tkl, 1, 0, 1]), Buffer.alloc(16)]), /token length/);
    });
    it('a datagram that ends inside the token', () => {
      expectMalformed(hex('48010001 01020304'), /inside the 8-byte token/);
    });
    it('an empty message with a token, option or payload', () => {
      expectMalformed(hex('41000001 aa'), /empty message/);
      expectMalformed(hex('60000001 b161'), /empty message/);
      expectMalformed(hex('70000001 ff00'), /empty message/);
    });
    it('a payload marker followed by no payload', () => {
      expectMalformed(hex('40010001 ff'), /payload marker/);
      expectMalformed(hex('40010001 b161 ff'), /payload marker/);
    });
    it('the reserved nibble 15 in delta or length (other than the payload marker)', () => {
      expectMalformed(hex('40010001 f1 00'), /delta nibble 15/);
      expectMalformed(hex('40010001 1f'), /length nibble 15/);
    });
    it('a truncated extended delta or length', () => {
      expectMalformed(hex('40010001 d0'), /delta extension truncated/);
      expectMalformed(hex('40010001 e000'), /delta extension truncated/);
      expectMalformed(hex('40010001 1d'), /length extension truncated/);
      expectMalformed(hex('40010001 1e00'), /length extension truncated/);
    });
    it('an option value running past the end', () => {
      expectMalformed(hex('40010001 b3 6162'), /runs past the datagram/);
      expectMalformed(hex('40010001 1d05 00'), /runs past the datagram/);
    });
    it('an option number above 65535', () => {
      expectMalformed(hex('40010001 e0feff e00100'), /above 65535/);
    });
    it('anything that is not a Buffer', () => {
      expectMalformed('40010001' as unknown as Buffer, /not a Buffer/);
    });
  });

  it('refuses to encode what cannot be put on the wire', () => {
    const bad: Partial<CoapMessage>[] = [
      { token: Buffer.alloc(9) },
      { messageId: 65536 },
      { code: 256 },
      { type: 4 as CoapType },
      { code: 0, token: Buffer.from([1]) },
      { code: 0, payload: Buffer.from([1]) },
      { options: [{ number: 65536, value: Buffer.alloc(0) }] },
      { options: [{ number: 1, value: Buffer.alloc(65535 + 270) }] },
    ];
    for (const b of bad) {
      expect(() => encodeMessage(message(b)), JSON.stringify(b)).toThrow(expect.objectContaining({ code: 'COAP_MALFORMED' }));
    }
  });

  it('peeks the type and message id of a malformed datagram when the header is readable', () => {
    expect(peekHeader(hex('4f010203 00'))).toEqual({ type: CoapType.CON, messageId: 0x0203 });
    expect(peekHeader(hex('5f01'))).toBeUndefined();
    expect(peekHeader(hex('0f010203'))).toBeUndefined();
  });
});
