import { beforeAll, describe, expect, it } from 'vitest';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { isObjectModelError, type ObjectModelErrorCode } from '../../objects/errors.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import { PropertyNames } from '../../objects/property-names.ts';

let registry: ObjectRegistry;
let names: PropertyNames;

beforeAll(async () => {
  registry = await ObjectRegistry.loadDefault();
  names = new PropertyNames(registry);
});

const toProperty = (path: string): string[] => names.pathToProperty(LwM2mPath.parse(path));

function failure(input: string, code: ObjectModelErrorCode): string {
  try {
    names.propertyToPath(input);
  } catch (err) {
    expect(isObjectModelError(err, code), `${input}: ${String(err)}`).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`expected "${input}" to be rejected`);
}

describe('PropertyNames.pathToProperty (docs/twin-model.md)', () => {
  it('names resources of single-instance objects without the instance level', () => {
    expect(toProperty('/3/0/9')).toEqual(['device', 'batteryLevel']);
    expect(toProperty('/3/0/15')).toEqual(['device', 'timezone']);
    expect(toProperty('/4/0/0')).toEqual(['connectivityMonitoring', 'networkBearer']);
    expect(toProperty('/5/0/3')).toEqual(['firmwareUpdate', 'state']);
    expect(toProperty('/5/0/1')).toEqual(['firmwareUpdate', 'packageUri']);
    expect(toProperty('/3/0/14')).toEqual(['device', 'utcOffset']);
    expect(toProperty('/4/0/2')).toEqual(['connectivityMonitoring', 'radioSignalStrength']);
  });

  it('keeps the instance id of multi-instance objects as a string key', () => {
    expect(toProperty('/3303/0/5700')).toEqual(['temperature', '0', 'sensorValue']);
    expect(toProperty('/3311/2/5850')).toEqual(['lightControl', '2', 'onOff']);
    expect(toProperty('/1/0/1')).toEqual(['lwm2mServer', '0', 'lifetime']);
  });

  it('makes resource instances keys under their resource', () => {
    expect(toProperty('/3/0/6/1')).toEqual(['device', 'availablePowerSources', '1']);
    expect(toProperty('/3303/1/5700/0')).toEqual(['temperature', '1', 'sensorValue', '0']);
  });

  it('maps objects and instances', () => {
    expect(toProperty('/3')).toEqual(['device']);
    expect(toProperty('/3/0')).toEqual(['device']);
    expect(toProperty('/3303')).toEqual(['temperature']);
    expect(toProperty('/3303/4')).toEqual(['temperature', '4']);
    expect(toProperty('/')).toEqual([]);
  });

  it('keeps numeric ids for unknown objects and unknown resources', () => {
    expect(toProperty('/31024/10/1')).toEqual(['31024', '10', '1']);
    expect(toProperty('/31024/10/1/3')).toEqual(['31024', '10', '1', '3']);
    expect(toProperty('/31024')).toEqual(['31024']);
    expect(toProperty('/3/0/999')).toEqual(['device', '999']);
    expect(toProperty('/3303/0/1234/5')).toEqual(['temperature', '0', '1234', '5']);
  });

  it('falls back to the numeric form for a non-zero instance of a single-instance object', () => {
    expect(toProperty('/3/1/9')).toEqual(['3', '1', '9']);
    expect(names.propertyToPath('3.1.9').toString()).toBe('/3/1/9');
  });
});

describe('PropertyNames.propertyToPath', () => {
  it.each([
    ['device.batteryLevel', '/3/0/9'],
    ['device.timezone', '/3/0/15'],
    ['connectivityMonitoring.networkBearer', '/4/0/0'],
    ['firmwareUpdate.state', '/5/0/3'],
    ['temperature.0.sensorValue', '/3303/0/5700'],
    ['device.availablePowerSources.1', '/3/0/6/1'],
    ['31024.10.1', '/31024/10/1'],
    ['31024', '/31024'],
    ['3.0.9', '/3/0/9'],
    ['device.9', '/3/0/9'],
    ['device.999', '/3/0/999'],
    ['device', '/3/0'],
    ['temperature', '/3303'],
    ['temperature.2', '/3303/2'],
    ['/3/0/9', '/3/0/9'],
    ['3/0/9', '/3/0/9'],
    ['/3303/0/5700/', '/3303/0/5700'],
    [' device.batteryLevel ', '/3/0/9'],
  ])('maps %j to %s', (input, path) => {
    expect(names.propertyToPath(input).toString()).toBe(path);
  });

  it('names the object segment that does not resolve', () => {
    expect(failure('thermostat.setPoint', 'UNKNOWN_PROPERTY')).toBe('property "thermostat.setPoint": "thermostat" is not the name of a known object');
  });

  it('names the resource segment that does not resolve', () => {
    expect(failure('device.batteryLvl', 'UNKNOWN_PROPERTY')).toMatch(/"batteryLvl" is not a resource of object "device" \(3\)/);
    expect(failure('temperature.0.value', 'UNKNOWN_PROPERTY')).toMatch(/"value" is not a resource of object "temperature"/);
  });

  it('requires an instance id after a multi-instance object and numeric resource instances', () => {
    expect(failure('temperature.sensorValue', 'UNKNOWN_PROPERTY')).toMatch(/"sensorValue" is not an instance id of multi-instance object "temperature"/);
    expect(failure('device.availablePowerSources.first', 'UNKNOWN_PROPERTY')).toMatch(/"first" is not a resource instance id/);
    expect(failure('3.0.batteryLevel', 'UNKNOWN_PROPERTY')).toMatch(/"batteryLevel" is not a numeric id/);
  });

  it('rejects malformed names and paths', () => {
    expect(failure('', 'INVALID_PROPERTY')).toMatch(/names no property/);
    expect(failure('/', 'INVALID_PROPERTY')).toMatch(/names no property/);
    expect(failure('device..batteryLevel', 'INVALID_PROPERTY')).toMatch(/empty segment at position 2/);
    expect(failure('device.availablePowerSources.1.2', 'INVALID_PROPERTY')).toMatch(/deeper than a resource instance/);
    expect(failure('1.2.3.4.5', 'INVALID_PROPERTY')).toMatch(/more than 4 levels/);
    expect(failure('70000.1', 'INVALID_PROPERTY')).toMatch(/"70000" is not in 0\.\.65535/);
    expect(failure('/3/x/9', 'INVALID_PROPERTY')).toMatch(/segment "x"/);
    expect(failure('/3/0/9/1/2', 'INVALID_PROPERTY')).toMatch(/more than 4 levels/);
  });
});

describe('PropertyNames round trips', () => {
  it('maps every resource of every bundled object to a name and back', () => {
    let checked = 0;
    for (const object of registry.objects()) {
      const instances = object.multiple ? [0, 3] : [0];
      for (const instance of instances) {
        for (const resource of object.resources.values()) {
          const path = new LwM2mPath(object.id, instance, resource.id);
          const segments = names.pathToProperty(path);
          expect(segments.at(-1)).toBe(resource.name);
          expect(segments[0]).toBe(object.name);
          expect(segments).toHaveLength(object.multiple ? 3 : 2);
          expect(names.propertyToPath(segments.join('.')).toString(), segments.join('.')).toBe(path.toString());
          expect(names.propertyToPath(path.toString()).toString()).toBe(path.toString());
          if (resource.multiple) {
            const ri = path.child(7);
            expect(names.propertyToPath(names.pathToProperty(ri).join('.')).toString()).toBe(ri.toString());
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(180);
  });

  it('round-trips unknown objects and unknown resources through the numeric form', () => {
    for (const p of ['/31024/10/1', '/31024/10/1/2', '/31024/0', '/3/0/4242', '/3303/1/4242/3', '/3/1/9']) {
      expect(names.propertyToPath(names.pathToProperty(LwM2mPath.parse(p)).join('.')).toString()).toBe(p);
    }
  });
});

describe('PropertyNames.resolveProperty', () => {
  it('gives the path, the canonical name and the models, whichever form is used', () => {
    for (const input of ['device.batteryLevel', '/3/0/9', '3.0.9', 'device.9']) {
      const resolved = names.resolveProperty(input);
      expect(resolved.path.toString()).toBe('/3/0/9');
      expect(resolved.propertyName).toBe('device.batteryLevel');
      expect(resolved.object?.id).toBe(3);
      expect(resolved.resource).toMatchObject({ id: 9, name: 'batteryLevel', type: 'integer', operations: 'R' });
    }
  });

  it('leaves out the models it cannot find', () => {
    const unknownObject = names.resolveProperty('31024.10.1');
    expect(unknownObject).toEqual({ path: LwM2mPath.parse('/31024/10/1'), propertyName: '31024.10.1' });
    const unknownResource = names.resolveProperty('/3/0/999');
    expect(unknownResource.propertyName).toBe('device.999');
    expect(unknownResource.object?.name).toBe('device');
    expect(unknownResource.resource).toBeUndefined();
    const instance = names.resolveProperty('temperature.1');
    expect(instance.propertyName).toBe('temperature.1');
    expect(instance.resource).toBeUndefined();
  });

  it('follows a registry with user objects', () => {
    const custom = ObjectRegistry.fromModels([
      {
        id: 31024,
        name: 'tankGauge',
        version: '1.0',
        multiple: false,
        mandatory: false,
        resources: new Map([[1, { id: 1, name: 'fillLevel', type: 'integer', operations: 'R', multiple: false, mandatory: false }]]),
      },
    ]);
    const mapper = new PropertyNames(custom);
    expect(mapper.pathToProperty(LwM2mPath.parse('/31024/0/1'))).toEqual(['tankGauge', 'fillLevel']);
    expect(mapper.propertyToPath('tankGauge.fillLevel').toString()).toBe('/31024/0/1');
    expect(mapper.pathToProperty(LwM2mPath.parse('/3/0/9'))).toEqual(['3', '0', '9']);
  });
});
