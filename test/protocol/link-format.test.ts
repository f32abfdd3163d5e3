import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors.ts';
import { MAX_LINKS, parseDiscoverLinks, parseLinkFormat, parseRegistrationLinks, serializeLinkFormat } from '../../protocol/lwm2m/link-format.ts';
import { expectProtocolError } from './codec/helpers.ts';

describe('link-format (RFC 6690)', () => {
  it('parses links, quoted and bare values and flags', () => {
    const links = parseLinkFormat('</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>,</3/0>,</5>,</6>;ver=2.0');
    expect(links.map((l) => l.uri)).toEqual(['/', '/1/0', '/3/0', '/5', '/6']);
    expect({ ...links[0].attributes }).toEqual({ rt: 'oma.lwm2m', ct: '60 110 112 11542 11543' });
    expect({ ...links[4].attributes }).toEqual({ ver: '2.0' });
    expect({ ...parseLinkFormat('</3/0/9>;obs;pmin=10')[0].attributes }).toEqual({ obs: true, pmin: '10' });
  });

  it('reads the RFC 6690 §5 examples (several attributes, quoted values with spaces and escapes)', () => {
    const links = parseLinkFormat('</sensors/temp>;rt="temperature-c";if="sensor",</sensors/light>;rt="light-lux";if="sensor";title="a \\"b\\""');
    expect(links).toHaveLength(2);
    expect(links[1].attributes.title).toBe('a "b"');
    expect(links[0].attributes.if).toBe('sensor');
  });

  it('tolerates whitespace and line breaks around separators, keeps the first of repeated attributes', () => {
    const links = parseLinkFormat(' </1/0> ,\n</3/0> ; ver=1.1 ; ver=9.9 ');
    expect(links.map((l) => l.uri)).toEqual(['/1/0', '/3/0']);
    expect(links[1].attributes.ver).toBe('1.1');
  });

  it('returns an empty list for empty text', () => {
    expect(parseLinkFormat('')).toEqual([]);
    expect(parseLinkFormat('  ')).toEqual([]);
  });

  it('treats __proto__ as a plain attribute', () => {
    const [l] = parseLinkFormat('</1>;__proto__="x"');
    expect(l.attributes.__proto__).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('serializes and reads back', () => {
    const links = [
      { uri: '/', attributes: { rt: 'oma.lwm2m', ct: '60 110' } as Record<string, string | true> },
      { uri: '/3/0/7', attributes: { dim: '2', pmin: '10', obs: true, title: 'say "hi"' } as Record<string, string | true> },
    ];
    const text = serializeLinkFormat(links);
    expect(text).toBe('</>;rt="oma.lwm2m";ct="60 110",</3/0/7>;dim=2;pmin=10;obs;title="say \\"hi\\""');
    expect(parseLinkFormat(text).map((l) => ({ uri: l.uri, attributes: { ...l.attributes } }))).toEqual(links);
  });

  describe('rejects what is not link-format with LINK_FORMAT', () => {
    const bad = (text: string, message: RegExp) => expectProtocolError(() => parseLinkFormat(text), 'LINK_FORMAT', message);
    it('plain text', () => bad('hello', /expected '<' at offset 0, found "hello"/));
    it('JSON', () => bad('{"a":1}', /expected '<' at offset 0/));
    it('an unclosed URI', () => bad('</3/0', /no closing '>'/));
    it('a missing separator', () => bad('</1></2>', /expected ',' or ';' at offset 4/));
    it('a parameter without a name', () => bad('</1>;=5', /expected a parameter name at offset 5/));
    it('an unterminated quoted value', () => bad('</1>;rt="abc', /unterminated quoted value of rt/));
    it('an empty bare value', () => bad('</1>;ct=,</2>', /expected a value for ct/));
    it('a space inside the URI', () => bad('</a b>', /invalid character in URI-reference/));
    it('a trailing comma', () => bad('</1>,', /expected '<' at offset 5/));
    it('input over 64 KiB', () => bad('</1>,'.repeat(14000), /exceeds 65536 bytes/));
    it(`more than ${MAX_LINKS} links`, () => bad('<>,'.repeat(MAX_LINKS) + '<>', /more than 10000 links/));
  });

  it('raises nothing but LINK_FORMAT for 20,000 mutated payloads', () => {
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const base = '</>;rt="oma.lwm2m";ct="60 110 112",</1/0>,</65535/9>,</3/0>;ver=1.1,</5>,</3/0/7>;dim=2;pmin=10;title="a\\"b"';
    const alphabet = '<>;,="\\ /0123456789abcrtv\n\u00e97';
    let others = 0;
    for (let n = 0; n < 20000; n++) {
      const chars = [...base];
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
        const at = Math.floor(rnd() * (chars.length + 1));
        const op = rnd();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(rnd() * alphabet.length)]);
        else chars.length = at;
      }
      const text = chars.join('');
      for (const fn of [parseLinkFormat, parseRegistrationLinks, parseDiscoverLinks] as ((t: string) => unknown)[]) {
        try {
          fn(text);
        } catch (err) {
          if (!(err instanceof ProtocolError) || err.code !== 'LINK_FORMAT') others++;
        }
      }
    }
    expect(others).toBe(0);
  });
});

describe('registration links (OMA TS Core §6.2.1)', () => {
  it('reads a Register payload (OMA TS Core 1.1 §6.2.1): root, content formats, objects with versions', () => {
    const reg = parseRegistrationLinks('</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>,</3/0>,</5>,</6>;ver=2.0');
    expect(reg.rootPath).toBe('/');
    expect(reg.contentFormats).toEqual([60, 110, 112, 11542, 11543]);
    expect(reg.objects).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }, { objectId: 5 }, { objectId: 6, version: '2.0' }]);
  });

  it('reads a 1.0 payload with a single ct value and no root link', () => {
    expect(parseRegistrationLinks('</>;rt="oma.lwm2m";ct=11543,</1/0>').contentFormats).toEqual([11543]);
    const plain = parseRegistrationLinks('</1/0>,</3/0>');
    expect(plain.rootPath).toBe('/');
    expect(plain.contentFormats).toEqual([]);
    expect(plain.objects).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }]);
  });

  it('strips an alternate root path and ignores links outside it', () => {
    const reg = parseRegistrationLinks('</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>,</other/4/0>,</3/1>');
    expect(reg.rootPath).toBe('/lwm2m');
    expect(reg.objects).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }]);
  });

  it('ignores object 0, malformed entries, invalid ct tokens and duplicates', () => {
    const reg = parseRegistrationLinks('</>;rt="oma.lwm2m";ct="60 abc 70000 110",</0/0>,</0>,</1/0>,</3/x>,</3/0/1>,</70000>,</3/0>,</3/0>,<coap://x/3>');
    expect(reg.contentFormats).toEqual([60, 110]);
    expect(reg.objects).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }]);
  });

  it('rejects a payload that is not link-format', () => {
    expectProtocolError(() => parseRegistrationLinks('ep=dev1'), 'LINK_FORMAT', /expected '<'/);
  });
});

describe('Discover links (OMA TS Core 1.1 §6.3)', () => {
  it('parses paths and numeric attributes', () => {
    const links = parseDiscoverLinks('</3>;ver=1.1,</3/0>;pmin=10;pmax=60,</3/0/7>;dim=2;pmin=10,</3/0/9>;gt=50.5;lt=10;st=2;epmin=1;epmax=3600,</3/0/13>;foo="bar"');
    expect(links.map((l) => l.path.toString())).toEqual(['/3', '/3/0', '/3/0/7', '/3/0/9', '/3/0/13']);
    expect(links[0].attributes).toEqual({ ver: '1.1' });
    expect(links[1].attributes).toEqual({ pmin: 10, pmax: 60 });
    expect(links[2].attributes).toEqual({ dim: 2, pmin: 10 });
    expect(links[3].attributes).toEqual({ gt: 50.5, lt: 10, st: 2, epmin: 1, epmax: 3600 });
    expect({ ...links[4].other }).toEqual({ foo: 'bar' });
  });

  it('strips an alternate root path', () => {
    expect(parseDiscoverLinks('</lwm2m/3/0/7>;dim=2', '/lwm2m')[0].path.toString()).toBe('/3/0/7');
  });

  it('rejects links that are not paths and attributes that are not numbers', () => {
    expectProtocolError(() => parseDiscoverLinks('</sensors/temp>'), 'LINK_FORMAT', /Discover link <\/sensors\/temp> is not an LwM2M path/);
    expectProtocolError(() => parseDiscoverLinks('</3/0/7>;dim=two'), 'LINK_FORMAT', /attribute dim of <\/3\/0\/7> must be a number, got "two"/);
    expectProtocolError(() => parseDiscoverLinks('</3/0/7>;dim=1.5'), 'LINK_FORMAT', /dim of <\/3\/0\/7> must be a non-negative integer/);
    expectProtocolError(() => parseDiscoverLinks('</3/0/7>;pmin'), 'LINK_FORMAT', /pmin of <\/3\/0\/7> must be a number, got no value/);
  });
});
