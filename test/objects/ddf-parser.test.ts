import { describe, expect, it } from 'vitest';
import { parseDdf } from '../../objects/ddf-parser.ts';
import { isObjectModelError } from '../../objects/errors.ts';

interface ItemSpec {
  id?: string;
  name?: string;
  ops?: string | null;
  multi?: string | null;
  mandatory?: string | null;
  type?: string | null;
  range?: string;
  units?: string;
}

function item(spec: ItemSpec = {}): string {
  const el = (tag: string, v: string | null | undefined, dflt: string): string => (v === null ? '' : `<${tag}>${v ?? dflt}</${tag}>`);
  const id = spec.id === undefined ? ' ID="0"' : spec.id === '' ? '' : ` ID="${spec.id}"`;
  return `<Item${id}>${el('Name', spec.name, 'Level')}${el('Operations', spec.ops, 'R')}${el('MultipleInstances', spec.multi, 'Single')}${el('Mandatory', spec.mandatory, 'Optional')}${el('Type', spec.type, 'Integer')}<RangeEnumeration>${spec.range ?? ''}</RangeEnumeration><Units>${spec.units ?? ''}</Units><Description>d</Description></Item>`;
}

function ddf(opts: { id?: string | null; name?: string; multi?: string; version?: string | null; items?: string[] } = {}): string {
  const id = opts.id === null ? '' : `<ObjectID>${opts.id ?? '31024'}</ObjectID>`;
  const version = opts.version === null ? '' : `<ObjectVersion>${opts.version ?? '1.1'}</ObjectVersion>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<LWM2M><Object ObjectType="MODefinition"><Name>${opts.name ?? 'Tank Gauge'}</Name><Description1><![CDATA[A <test> object]]></Description1>${id}
<ObjectURN>urn:oma:lwm2m:x:31024</ObjectURN><LWM2MVersion>1.1</LWM2MVersion>${version}<MultipleInstances>${opts.multi ?? 'Multiple'}</MultipleInstances><Mandatory>Optional</Mandatory>
<Resources>${(opts.items ?? [item()]).join('')}</Resources></Object></LWM2M>`;
}

function rejection(xml: string, source = 'user/tank.xml'): Error {
  try {
    parseDdf(xml, source);
  } catch (err) {
    expect(isObjectModelError(err, 'DDF_INVALID')).toBe(true);
    expect((err as Error).message.startsWith(`${source}: `)).toBe(true);
    return err as Error;
  }
  throw new Error('expected parseDdf to throw');
}

describe('parseDdf', () => {
  it('parses an object and its resources into the model', () => {
    const [model] = parseDdf(
      ddf({
        items: [
          item({ id: '1', name: 'Fill Level', ops: 'RW', range: '0..100', units: '%' }),
          item({ id: '0', name: 'Levels', multi: 'Multiple', mandatory: 'Mandatory', type: 'Float', range: '-5.5-10' }),
          item({ id: '2', name: 'Flush', ops: 'E', type: '' }),
          item({ id: '3', name: 'Label', type: 'String', range: '0..32' }),
          item({ id: '4', name: 'Counter', type: 'Unsigned Integer', range: '1,2,4' }),
        ],
      }),
      'tank.xml',
    );
    expect(model).toMatchObject({ id: 31024, name: 'tankGauge', version: '1.1', multiple: true, mandatory: false, urn: 'urn:oma:lwm2m:x:31024', description: 'A <test> object' });
    expect([...model.resources.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(model.resources.get(1)).toEqual({ id: 1, name: 'fillLevel', type: 'integer', operations: 'RW', multiple: false, mandatory: false, units: '%', range: { min: 0, max: 100 }, description: 'd' });
    expect(model.resources.get(0)).toMatchObject({ name: 'levels', type: 'float', multiple: true, mandatory: true, range: { min: -5.5, max: 10 } });
    expect(model.resources.get(2)).toMatchObject({ name: 'flush', type: 'none', operations: 'E' });
    expect(model.resources.get(3)?.range).toBeUndefined(); // a string length range is not a value range
    expect(model.resources.get(4)).toMatchObject({ type: 'unsignedInteger' });
    expect(model.resources.get(4)?.range).toBeUndefined();
    expect(Object.isFrozen(model)).toBe(true);
  });

  it('defaults the object version to 1.0 and accepts a byte-order mark', () => {
    const [model] = parseDdf('\ufeff' + ddf({ version: null }), 'tank.xml');
    expect(model.version).toBe('1.0');
  });

  it('reads several objects from one file', () => {
    const xml = ddf().replace('</LWM2M>', '') + ddf({ id: '31025', name: 'Second' }).replace(/^[\s\S]*?<LWM2M>/, '');
    expect(parseDdf(xml, 'two.xml').map((m) => [m.id, m.name])).toEqual([
      [31024, 'tankGauge'],
      [31025, 'second'],
    ]);
  });

  it('de-duplicates colliding resource names by suffixing the id', () => {
    const [model] = parseDdf(ddf({ items: [item({ id: '9', name: 'Fill-Level' }), item({ id: '4', name: 'Fill Level' }), item({ id: '5', name: '***' })] }), 'x.xml');
    expect(model.resources.get(4)?.name).toBe('fillLevel');
    expect(model.resources.get(9)?.name).toBe('fillLevel9');
    expect(model.resources.get(5)?.name).toBe('resource5');
  });

  it('rejects text that is not XML, naming the file and the line', () => {
    expect(rejection('this is not xml', 'cfg/ddf/a.xml').message).toMatch(/^cfg\/ddf\/a\.xml: not well-formed XML \(line 1/);
    expect(rejection('<LWM2M><Object></LWM2M>').message).toMatch(/not well-formed XML/);
    expect(rejection('').message).toMatch(/empty/);
  });

  it('rejects a document that is not an LwM2M DDF', () => {
    expect(rejection('<Objects><Object/></Objects>').message).toMatch(/root element must be <LWM2M>, found <Objects>/);
    expect(rejection('<LWM2M></LWM2M>').message).toMatch(/no <Object>/);
    expect(rejection(ddf().replace('MODefinition', 'Other')).message).toMatch(/ObjectType "Other"/);
  });

  it('rejects a missing or out-of-range ObjectID', () => {
    expect(rejection(ddf({ id: null })).message).toMatch(/missing <ObjectID>/);
    expect(rejection(ddf({ id: '' })).message).toMatch(/missing <ObjectID>/);
    expect(rejection(ddf({ id: '70000' })).message).toMatch(/<ObjectID> "70000" is not an integer in 0\.\.65535/);
    expect(rejection(ddf({ id: 'abc' })).message).toMatch(/<ObjectID> "abc"/);
  });

  it('rejects bad object fields', () => {
    expect(rejection(ddf({ multi: 'Many' })).message).toMatch(/object 31024: <MultipleInstances> "Many" is not "Single" or "Multiple"/);
    expect(rejection(ddf({ version: 'v2' })).message).toMatch(/<ObjectVersion> "v2"/);
    expect(rejection(ddf({ name: '' })).message).toMatch(/object 31024: missing <Name>/);
    expect(rejection(ddf().replace('<Name>Tank Gauge</Name>', '<Name>A</Name><Name>B</Name>')).message).toMatch(/<Name> appears more than once/);
  });

  it('rejects a resource with no ID or no Type', () => {
    expect(rejection(ddf({ items: [item({ id: '' })] })).message).toMatch(/resource <Item> #1: missing ID attribute/);
    expect(rejection(ddf({ items: [item({ id: '5', type: null })] })).message).toMatch(/object 31024 resource 5: missing <Type>/);
    expect(rejection(ddf({ items: [item({ id: 'x1' })] })).message).toMatch(/ID "x1" is not an integer/);
  });

  it('rejects unknown Type and Operations values', () => {
    expect(rejection(ddf({ items: [item({ id: '3', type: 'Strng' })] })).message).toMatch(/object 31024 resource 3: <Type> "Strng" is not one of String, Integer/);
    expect(rejection(ddf({ items: [item({ id: '3', ops: 'RWX' })] })).message).toMatch(/resource 3: <Operations> "RWX" is not one of R, W, RW, E or empty/);
    expect(rejection(ddf({ items: [item({ id: '3', ops: null })] })).message).toMatch(/resource 3: missing <Operations>/);
    expect(rejection(ddf({ items: [item({ id: '3', ops: 'R', type: '' })] })).message).toMatch(/only an executable \(E\) resource may have no type/);
    expect(rejection(ddf({ items: [item({ id: '3', multi: null })] })).message).toMatch(/resource 3: <MultipleInstances> is missing/);
    expect(rejection(ddf({ items: [item({ id: '3', mandatory: 'Maybe' })] })).message).toMatch(/resource 3: <Mandatory> "Maybe"/);
  });

  it('rejects duplicate resource ids, naming both resources', () => {
    const err = rejection(ddf({ items: [item({ id: '7', name: 'First' }), item({ id: '7', name: 'Second' })] }));
    expect(err.message).toBe('user/tank.xml: object 31024: duplicate resource id 7 ("First" and "Second")');
  });

  it('rejects the same object twice in one file', () => {
    const xml = ddf().replace('</LWM2M>', '') + ddf().replace(/^[\s\S]*?<LWM2M>/, '');
    expect(rejection(xml).message).toMatch(/object 31024 is defined twice/);
  });

  it('carries the file on the error', () => {
    try {
      parseDdf('nope', 'dir/f.xml');
    } catch (err) {
      expect(isObjectModelError(err) && err.file).toBe('dir/f.xml');
    }
    expect.assertions(1);
  });
});
