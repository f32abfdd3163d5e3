import type { ModelLookup, ObjectModel, ResourceModel, ResourceType } from '../../../protocol/lwm2m/model.ts';

/**
 * A small in-test model (protocol/ must not import objects/). Resource types and multiplicity follow the OMA
 * registry DDFs for objects 1, 3, 5, 6 and 3311 (OMA LwM2M object registry; 3311 Light Control for resource 5850 On/Off); objects 65
 * and 66 are the object-link examples of OMA TS Core 1.0 §6.4.3.3; object 1024 is a test object for the other types.
 */
function res(id: number, name: string, type: ResourceType, multiple = false, range?: { min: number; max: number }): ResourceModel {
  return { id, name, type, operations: 'R', multiple, mandatory: false, ...(range ? { range } : {}) };
}

function obj(id: number, name: string, multiple: boolean, resources: ResourceModel[]): ObjectModel {
  return { id, name, version: '1.0', multiple, mandatory: false, resources: new Map(resources.map((r) => [r.id, r])) };
}

const OBJECTS = new Map<number, ObjectModel>([
  [1, obj(1, 'server', true, [res(0, 'shortServerId', 'integer'), res(1, 'lifetime', 'integer'), res(6, 'notificationStoring', 'boolean'), res(7, 'binding', 'string')])],
  [
    3,
    obj(3, 'device', false, [
      res(0, 'manufacturer', 'string'),
      res(1, 'modelNumber', 'string'),
      res(2, 'serialNumber', 'string'),
      res(3, 'firmwareVersion', 'string'),
      res(4, 'reboot', 'none'),
      res(6, 'availablePowerSources', 'integer', true, { min: 0, max: 7 }),
      res(7, 'powerSourceVoltage', 'integer', true),
      res(8, 'powerSourceCurrent', 'integer', true),
      res(9, 'batteryLevel', 'integer', false, { min: 0, max: 100 }),
      res(10, 'memoryFree', 'integer'),
      res(11, 'errorCode', 'integer', true),
      res(13, 'currentTime', 'time'),
      res(14, 'utcOffset', 'string'),
      res(15, 'timezone', 'string'),
      res(16, 'supportedBindingAndModes', 'string'),
      res(22, 'extDevInfo', 'objlnk', true),
    ]),
  ],
  [5, obj(5, 'firmwareUpdate', false, [res(0, 'package', 'opaque'), res(1, 'packageUri', 'string'), res(3, 'state', 'integer')])],
  [6, obj(6, 'location', false, [res(0, 'latitude', 'float'), res(1, 'longitude', 'float'), res(5, 'timestamp', 'time')])],
  [65, obj(65, 'objlnkTests65', true, [res(0, 'res0', 'objlnk', true), res(1, 'res1', 'string'), res(2, 'res2', 'integer')])],
  [66, obj(66, 'objlnkTests66', true, [res(0, 'res0', 'string'), res(1, 'res1', 'string'), res(2, 'res2', 'objlnk')])],
  [3311, obj(3311, 'lightControl', true, [res(5850, 'onOff', 'boolean')])],
  [
    1024,
    obj(1024, 'testTypes', true, [
      res(0, 'text', 'string'),
      res(1, 'counter', 'unsignedInteger'),
      res(2, 'flag', 'boolean'),
      res(3, 'ratio', 'float'),
      res(4, 'links', 'corelnk'),
      res(5, 'blob', 'opaque', true),
      res(6, 'link', 'objlnk'),
      res(7, 'big', 'integer'),
    ]),
  ],
]);

export const TEST_MODEL: ModelLookup = {
  object: (objectId) => OBJECTS.get(objectId),
  resource: (objectId, resourceId) => OBJECTS.get(objectId)?.resources.get(resourceId),
};
