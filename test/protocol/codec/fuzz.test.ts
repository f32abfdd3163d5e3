import { describe, expect, it } from 'vitest';
import { codecFor, decodePathList, encodePathList } from '../../../protocol/lwm2m/codec/codec.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { EMPTY_MODEL, type ModelLookup } from '../../../protocol/lwm2m/model.ts';
import { leaf } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_LWM2M_JSON, DEVICE_NODE, DEVICE_SENML_JSON, DEVICE_TLV, DEVICE_TLV_WRAPPED, hex } from './fixtures.ts';
import { TEST_MODEL } from './test-model.ts';
import { prng } from '../../helpers/prng.ts';

const P = (s: string) => LwM2mPath.parse(s);
const PATHS = ['/3', '/3/0', '/3/0/0', '/3/0/6', '/3/0/6/1', '/3/0/9', '/3/0/13', '/3/0/22', '/5/0/0', '/6/0', '/1024/0', '/13/26', '/13/26/1', '/1', '/2'].map(P);
const text = (s: string) => Buffer.from(s, 'utf8');

/** Valid payloads per content format, the seeds of the mutations. */
const SEEDS: Record<number, Buffer[]> = {
  0: [text('Open Mobile Alliance'), text('100'), text('1476186613'), text('AQIDBAU='), text('66:0'), text('-1.5e3')],
  42: [hex('0001feff7f80'), Buffer.alloc(0)],
  60: [hex('1864'), hex('6441434d45'), hex('c11a5182428f'), hex('fb3fb999999999999a'), hex('43abcdef'), hex('1bffffffffffffffff')],
  110: [text(DEVICE_SENML_JSON), text('[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"9","v":95}]'), text('[{"bn":"/6/0/","bt":268600000,"n":"0","v":43.9},{"n":"1","v":2.3,"t":-5}]'), text('[{"n":"/5/0/0","vd":"AQIDBAU"},{"n":"/3/0/22/0","vlo":"66:0"}]')],
  112: [
    hex('82a321652f332f302f0061300364 41434d45a200613902185f'),
    hex('81a221662f302f302f330843abcdef'),
    hex('81a200692f332f302f32322f3063766c6f6436363a30'),
    codecFor(112).encode(DEVICE_NODE, P('/3/0'), TEST_MODEL),
  ],
  11542: [DEVICE_TLV, DEVICE_TLV_WRAPPED, hex('08000EC10001C101008302417F07C1037F080212C10003C101008702417F0761013601C1037F'), hex('8606410001410105'), hex('E116DA01'), hex('C807080020000000000001')],
  11543: [text(DEVICE_LWM2M_JSON), text('{"bn":"/6/0/0","e":[{"v":22.9,"t":-30},{"v":22.4,"t":-5}],"bt":25462634}'), text('{"e":[{"n":"/66/0/2","ov":"67:0"},{"n":"/5/0/0","sv":"AQIDBAU="}]}')],
  11544: [
    hex('A183 0D181A01182A'),
    hex('BF9F0D181A01FF182AFF'),
    hex('A2830D181A01182A820D181AA1810215'),
    hex('A1810DA181181AA18101A18102C48220182D'),
    codecFor(11544).encode(DEVICE_NODE, P('/3/0'), TEST_MODEL),
  ],
};
const PATH_LISTS: Record<110 | 112, Buffer> = { 110: encodePathList(110, [P('/3/0/9'), P('/6/0')]), 112: encodePathList(112, [P('/3/0/9'), P('/6/0')]) };

const SYNTAX = Buffer.from('{}[]":,0123456789-.eE/ntfu\\ \x80\xff\xa1\x81\x9f\xbf\xc1\xd8\xfa\xfb\x1b\x19', 'latin1');

function mutate(seed: Buffer, rnd: () => number, other: Buffer): Buffer {
  const b = Buffer.from(seed);
  const at = (n: number) => Math.floor(rnd() * n);
  switch (at(9)) {
    case 0: // flip 1-4 bits
      for (let k = 1 + at(4); k > 0 && b.length > 0; k--) b[at(b.length)] ^= 1 << at(8);
      return b;
    case 1: // set a byte to a random or a syntax value
      if (b.length > 0) b[at(b.length)] = rnd() < 0.5 ? at(256) : SYNTAX[at(SYNTAX.length)];
      return b;
    case 2: // truncate
      return b.subarray(0, at(b.length + 1));
    case 3: { // insert 1-8 bytes
      const ins = Buffer.from(Array.from({ length: 1 + at(8) }, () => (rnd() < 0.5 ? at(256) : SYNTAX[at(SYNTAX.length)])));
      const pos = at(b.length + 1);
      return Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
    }
    case 4: { // delete a range
      const from = at(b.length + 1);
      return Buffer.concat([b.subarray(0, from), b.subarray(Math.min(b.length, from + 1 + at(8)))]);
    }
    case 5: { // duplicate a range
      const from = at(b.length + 1);
      const to = Math.min(b.length, from + 1 + at(16));
      return Buffer.concat([b.subarray(0, to), b.subarray(from, to), b.subarray(to)]);
    }
    case 6: { // splice with another seed
      const cut = at(b.length + 1);
      return Buffer.concat([b.subarray(0, cut), other.subarray(at(other.length + 1))]);
    }
    case 7: // random bytes
      return Buffer.from(Array.from({ length: at(48) }, () => at(256)));
    default: // several mutations
      return mutate(mutate(b, rnd, other), rnd, other);
  }
}

function checkOnlyProtocolErrors(fn: () => unknown, code: string, failures: string[], payload: Buffer, label: string): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (!(err instanceof ProtocolError) || err.code !== code) {
      if (failures.length < 5) failures.push(`${label} ${payload.toString('hex')}: ${err instanceof Error ? `${err.name} ${err.message}` : String(err)}`);
    }
    return false;
  }
}

describe('randomized malformed payloads', () => {
  it('110,000 mutated payloads across all codecs raise nothing but ProtocolError, quickly', () => {
    const rnd = prng(0x1a2b3c4d);
    const formats = Object.keys(SEEDS).map(Number);
    const all = formats.flatMap((cf) => SEEDS[cf]);
    const failures: string[] = [];
    const cpuStart = process.cpuUsage();
    let payloads = 0;
    let decoded = 0;
    while (payloads < 110_000) {
      const cf = formats[Math.floor(rnd() * formats.length)];
      const seeds = SEEDS[cf];
      const payload = mutate(seeds[Math.floor(rnd() * seeds.length)], rnd, all[Math.floor(rnd() * all.length)]);
      payloads++;
      const codec = codecFor(cf);
      const model: ModelLookup = rnd() < 0.7 ? TEST_MODEL : EMPTY_MODEL;
      const path = PATHS[Math.floor(rnd() * PATHS.length)];
      const mode = rnd();
      if (codec.decodeLeaves && mode < 0.3) {
        checkOnlyProtocolErrors(() => codec.decodeLeaves!(payload, model, rnd() < 0.5 ? path : undefined), 'CODEC_DECODE', failures, payload, `${cf} decodeLeaves`);
      } else if ((cf === 110 || cf === 112) && mode < 0.45) {
        const list = rnd() < 0.5 ? payload : mutate(PATH_LISTS[cf], rnd, payload);
        checkOnlyProtocolErrors(() => decodePathList(cf, list), 'CODEC_DECODE', failures, list, `${cf} path list`);
      } else {
        let node: ReturnType<typeof codec.decode> | undefined;
        const ok = checkOnlyProtocolErrors(() => (node = codec.decode(payload, path, model)), 'CODEC_DECODE', failures, payload, `${cf} decode ${path.toString()}`);
        if (ok && node !== undefined) {
          decoded++;
          // Whatever decodes must encode again or refuse with CODEC_ENCODE.
          checkOnlyProtocolErrors(() => codec.encode(node!, path, model), 'CODEC_ENCODE', failures, payload, `${cf} re-encode ${path.toString()}`);
        }
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(failures).toEqual([]);
    expect(payloads).toBeGreaterThanOrEqual(100_000);
    // Some mutations stay valid: the run exercised the success paths too.
    expect(decoded).toBeGreaterThan(1000);
    // CPU time, not wall time, so that other processes on a shared machine do not make this flaky.
    expect(cpuMs).toBeLessThan(15_000);
  });

  it('mutated composite leaves still encode and decode in every composite format', () => {
    const leaves = [leaf('/3/0/9', 95), leaf('/6/0/0', 43.5), leaf('/3/0/13', new Date(1e12)), leaf('/3/0/22/1', '66:1')];
    for (const cf of [110, 112, 11543, 11544]) {
      const codec = codecFor(cf);
      const back = codec.decodeLeaves!(codec.encodeLeaves!(leaves, TEST_MODEL), TEST_MODEL);
      expect(back.map((l) => l.path.toString()).sort()).toEqual(leaves.map((l) => l.path.toString()).sort());
    }
  });
});
