import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectRegistry } from '../../../objects/object-registry.ts';
import { PropertyNames } from '../../../objects/property-names.ts';
import { resolveDeviceProperty, type PropertyUse } from '../../../jobs/validation/device-property.ts';
import { loadRegistry } from '../registry.ts';

let registry: ObjectRegistry;
let names: PropertyNames;
beforeAll(async () => {
  registry = await loadRegistry();
  names = new PropertyNames(registry);
});

function codeOf(input: unknown, use: PropertyUse): string | undefined {
  try {
    resolveDeviceProperty(names, registry, input, use);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('resolveDeviceProperty', () => {
  it('resolves names, paths and twin section prefixes to the same resource', () => {
    for (const input of ['device.batteryLevel', '/3/0/9', '3/0/9', 'properties.reported.device.batteryLevel', ' device.batteryLevel ']) {
      const p = resolveDeviceProperty(names, registry, input, 'read');
      expect(p.path.toString()).toBe('/3/0/9');
      expect(p.propertyName).toBe('device.batteryLevel');
    }
    expect(resolveDeviceProperty(names, registry, 'properties.desired.device.timezone', 'write').path.toString()).toBe('/3/0/15');
  });

  it('refuses tags and service properties', () => {
    expect(codeOf('tags', 'read')).toBe('SERVICE_PROPERTY');
    expect(codeOf('tags.location.plant', 'read')).toBe('SERVICE_PROPERTY');
    expect(codeOf('telemetryConfig.sendFrequency', 'read')).toBe('SERVICE_PROPERTY');
    expect(codeOf('properties.desired.telemetryConfig', 'write')).toBe('SERVICE_PROPERTY');
  });

  it('refuses unknown resources of known objects and malformed input', () => {
    expect(codeOf('device.noSuchThing', 'read')).toBe('UNKNOWN_PROPERTY');
    expect(codeOf('/3/0/99', 'read')).toBe('UNKNOWN_PROPERTY');
    expect(codeOf('device..batteryLevel', 'read')).toBe('INVALID_PROPERTY');
    expect(codeOf('/3/0/70000', 'read')).toBe('INVALID_PROPERTY');
    expect(codeOf('properties.tags.x', 'read')).toBe('INVALID_PROPERTY');
    expect(codeOf('/3/0/9/0', 'read')).toBe('INVALID_PROPERTY'); // battery level is single-instance
    expect(codeOf('', 'read')).toBe('INVALID_JOB');
    expect(codeOf(42, 'read')).toBe('INVALID_JOB');
  });

  it('lets reads reach objects, instances and objects without a model', () => {
    expect(resolveDeviceProperty(names, registry, 'device', 'read').path.toString()).toBe('/3/0');
    expect(resolveDeviceProperty(names, registry, '/31024/10/1', 'read').propertyName).toBe('31024.10.1');
    expect(codeOf('device.reboot', 'read')).toBe('NOT_READABLE');
    expect(codeOf('firmwareUpdate.package', 'observe')).toBe('NOT_READABLE');
    expect(codeOf('lwm2mSecurity.0.secretKey', 'read')).toBe('NOT_READABLE');
  });

  it('writes only known writable resources', () => {
    expect(resolveDeviceProperty(names, registry, 'firmwareUpdate.package', 'write').resource?.type).toBe('opaque');
    expect(codeOf('device.batteryLevel', 'write')).toBe('READ_ONLY');
    expect(codeOf('device.reboot', 'write')).toBe('NOT_WRITABLE');
    expect(codeOf('device', 'write')).toBe('NOT_WRITABLE');
    expect(codeOf('/31024/10/1', 'write')).toBe('UNKNOWN_PROPERTY');
  });

  it('executes only known executable resources', () => {
    expect(resolveDeviceProperty(names, registry, 'device.factoryReset', 'execute').path.toString()).toBe('/3/0/5');
    expect(codeOf('device.timezone', 'execute')).toBe('NOT_EXECUTABLE');
    expect(codeOf('device', 'execute')).toBe('NOT_EXECUTABLE');
    expect(codeOf('/31024/0/1', 'execute')).toBe('UNKNOWN_PROPERTY');
  });
});
