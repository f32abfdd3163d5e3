import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../protocol/lwm2m/model.ts';
import { isObjectModelError } from '../../objects/errors.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';

const ITEM =
  '<Item ID="1"><Name>Fill Level</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Integer</Type><RangeEnumeration>0..100</RangeEnumeration><Units>%</Units><Description>level</Description></Item>';

function ddf(id: number, name: string, opts: { version?: string; items?: string } = {}): string {
  const items = opts.items ?? ITEM;
  return `<?xml version="1.0" encoding="UTF-8"?>
<LWM2M><Object ObjectType="MODefinition"><Name>${name}</Name><Description1>test</Description1><ObjectID>${id}</ObjectID><ObjectURN>urn:oma:lwm2m:x:${id}</ObjectURN>
<LWM2MVersion>1.1</LWM2MVersion><ObjectVersion>${opts.version ?? '1.0'}</ObjectVersion><MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>
<Resources>${items}</Resources></Object></LWM2M>`;
}

function model(id: number, name: string, version = '1.0'): ObjectModel {
  return { id, name, version, multiple: false, mandatory: false, resources: new Map([[0, { id: 0, name: 'value', type: 'integer', operations: 'R', multiple: false, mandatory: false }]]) };
}

let root: string;
let n = 0;
async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = join(root, `d${++n}`);
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

async function loadError(dirs: string[]): Promise<Error> {
  try {
    await ObjectRegistry.loadDefault(dirs);
  } catch (err) {
    expect(isObjectModelError(err)).toBe(true);
    return err as Error;
  }
  throw new Error('expected loadDefault to fail');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lwtwin-ddf-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ObjectRegistry.loadDefault', () => {
  it('loads the bundled objects without warnings and looks them up by id and name', async () => {
    const registry = await ObjectRegistry.loadDefault();
    expect(registry.warnings).toEqual([]);
    expect(registry.objects().map((o) => o.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 3303, 3304, 3311]);
    expect(registry.object(3)?.name).toBe('device');
    expect(registry.objectByName('connectivityMonitoring')?.id).toBe(4);
    expect(registry.objectByName('temperature')?.id).toBe(3303);
    expect(registry.resource(3, 9)).toMatchObject({ name: 'batteryLevel', type: 'integer', operations: 'R' });
    expect(registry.resource(3, 999)).toBeUndefined();
    expect(registry.object(31024)).toBeUndefined();
    expect(registry.objectByName('nothing')).toBeUndefined();
  });

  it('adds the objects of an extra DDF directory', async () => {
    const dir = await dirWith({ 'tank.xml': ddf(31024, 'Tank Gauge'), 'notes.txt': 'ignored' });
    const registry = await ObjectRegistry.loadDefault([dir]);
    expect(registry.warnings).toEqual([]);
    expect(registry.object(31024)).toMatchObject({ name: 'tankGauge', multiple: true, version: '1.0' });
    expect(registry.objectByName('tankGauge')?.id).toBe(31024);
    expect(registry.resource(31024, 1)).toMatchObject({ name: 'fillLevel', range: { min: 0, max: 100 } });
    expect(registry.object(3)?.name).toBe('device');
  });

  it('lets a later file override an object id, with a warning, and keeps other versions', async () => {
    const dir = await dirWith({ 'device-1.0.xml': ddf(3, 'Device', { version: '1.0' }) });
    const seen: string[] = [];
    const registry = await ObjectRegistry.loadDefault([dir], { onWarning: (m) => seen.push(m) });
    expect(registry.object(3)?.version).toBe('1.0');
    expect(registry.object(3)?.resources.size).toBe(1);
    expect(registry.object(3, '1.2')?.resources.size).toBe(23);
    expect(registry.object(3, '9.9')).toBeUndefined();
    expect(registry.versionsOf(3)).toEqual(['1.0', '1.2']);
    expect(registry.resource(3, 9)).toBeUndefined();
    expect(registry.resource(3, 9, '1.2')?.name).toBe('batteryLevel');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(join(dir, 'device-1.0.xml'));
    expect(seen[0]).toMatch(/object 3: v1\.0 .* replaces v1\.2 /);
    expect(registry.warnings).toEqual(seen);
  });

  it('warns when a file redefines the same object version', async () => {
    const dir = await dirWith({ 'a.xml': ddf(31024, 'Tank', { version: '1.0' }), 'b.xml': ddf(31024, 'Tank Two', { version: '1.0' }) });
    const registry = await ObjectRegistry.loadDefault([dir]);
    expect(registry.object(31024)?.name).toBe('tankTwo');
    expect(registry.warnings).toHaveLength(1);
    expect(registry.warnings[0]).toMatch(/object 31024 v1\.0 from .*b\.xml overrides the definition from .*a\.xml/);
  });

  it('renames an object whose name is already taken, keeping it for the lowest id', async () => {
    const dir = await dirWith({ 'clash.xml': ddf(33000, 'Temperature') });
    const registry = await ObjectRegistry.loadDefault([dir]);
    expect(registry.objectByName('temperature')?.id).toBe(3303);
    expect(registry.object(33000)?.name).toBe('temperature33000');
    expect(registry.objectByName('temperature33000')?.id).toBe(33000);
    expect(registry.warnings[0]).toMatch(/object 33000 .*"temperature" is already used/);
  });

  it('warns about an extra directory with no DDF files', async () => {
    const dir = await dirWith({});
    const registry = await ObjectRegistry.loadDefault([dir]);
    expect(registry.warnings).toEqual([`DDF directory ${dir} contains no .xml file`]);
  });

  it('rejects a missing directory, naming it', async () => {
    const missing = join(root, 'does-not-exist');
    const err = await loadError([missing]);
    expect(isObjectModelError(err, 'DDF_READ')).toBe(true);
    expect(err.message).toContain(missing);
  });

  it.each([
    ['not XML', 'this is { not xml', /not well-formed XML/],
    ['missing ObjectID', ddf(31024, 'Tank').replace('<ObjectID>31024</ObjectID>', ''), /missing <ObjectID>/],
    ['a bad type', ddf(31024, 'Tank').replace('<Type>Integer</Type>', '<Type>Number</Type>'), /<Type> "Number"/],
    ['duplicate resource ids', ddf(31024, 'Tank', { items: ITEM + ITEM }), /duplicate resource id 1/],
    ['a resource without ID', ddf(31024, 'Tank').replace(' ID="1"', ''), /missing ID attribute/],
  ])('rejects a user file with %s, naming the file', async (_what, content, problem) => {
    const dir = await dirWith({ 'good.xml': ddf(31025, 'Fine'), 'bad.xml': content });
    const err = await loadError([dir]);
    expect(isObjectModelError(err, 'DDF_INVALID')).toBe(true);
    expect(err.message.startsWith(`${join(dir, 'bad.xml')}: `)).toBe(true);
    expect(err.message).toMatch(problem);
  });
});

describe('ObjectRegistry.fromModels', () => {
  it('builds a registry from models, later ones overriding earlier ones', () => {
    const registry = ObjectRegistry.fromModels([model(10, 'a'), model(11, 'b'), model(10, 'c', '1.1')]);
    expect(registry.objects().map((o) => [o.id, o.name, o.version])).toEqual([
      [10, 'c', '1.1'],
      [11, 'b', '1.0'],
    ]);
    expect(registry.object(10, '1.0')?.name).toBe('c'); // every version of an id carries the default's name
    expect(registry.objectByName('a')).toBeUndefined();
    expect(registry.warnings).toHaveLength(1);
  });

  it('is empty for no models', () => {
    const registry = ObjectRegistry.fromModels([]);
    expect(registry.objects()).toEqual([]);
    expect(registry.object(3)).toBeUndefined();
    expect(registry.versionsOf(3)).toEqual([]);
  });
});
