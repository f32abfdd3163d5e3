import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ObjectModel, Operations, ResourceType } from '../../protocol/lwm2m/model.ts';
import { BUNDLED_DDF_DIR } from '../../objects/ddf-loader.ts';
import { parseDdf } from '../../objects/ddf-parser.ts';

const files = readdirSync(BUNDLED_DDF_DIR).filter((f) => f.endsWith('.xml'));
const models = new Map<number, ObjectModel>();
for (const f of files) for (const m of parseDdf(readFileSync(join(BUNDLED_DDF_DIR, f), 'utf8'), f)) models.set(m.id, m);

/** [id, name, operations, multiple, type, mandatory?] */
type Row = [number, string, Operations, boolean, ResourceType, boolean?];

function expectRows(objectId: number, rows: Row[], exhaustive: boolean): void {
  const model = models.get(objectId) as ObjectModel;
  for (const [id, name, operations, multiple, type, mandatory] of rows) {
    const r = model.resources.get(id);
    expect(r, `/${objectId}/x/${id}`).toBeDefined();
    expect({ id, name: r?.name, operations: r?.operations, multiple: r?.multiple, type: r?.type }, `/${objectId}/x/${id}`).toEqual({ id, name, operations, multiple, type });
    if (mandatory !== undefined) expect(r?.mandatory, `/${objectId}/x/${id} mandatory`).toBe(mandatory);
  }
  if (exhaustive) expect([...model.resources.keys()]).toEqual(rows.map((r) => r[0]));
}

describe('bundled DDF files', () => {
  it('are all valid and cover objects 0-7 and IPSO 3303, 3304, 3311', () => {
    expect([...models.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 3303, 3304, 3311]);
    for (const f of files) expect(f).toBe(`${parseDdf(readFileSync(join(BUNDLED_DDF_DIR, f), 'utf8'), f)[0].id}.xml`);
  });

  it('each state they were written for lwtwin from the public definitions', () => {
    for (const f of files) expect(readFileSync(join(BUNDLED_DDF_DIR, f), 'utf8')).toMatch(/<!--\s*Written for lwtwin from the public/);
  });

  it('carry the object versions of the OMA registry snapshot', () => {
    const versions = Object.fromEntries([...models.values()].map((m) => [m.id, m.version]));
    expect(versions).toMatchObject({ 0: '1.2', 1: '1.2', 3: '1.2', 4: '1.3', 5: '1.2', 6: '1.0' });
  });

  it('describe object-level multiplicity and mandatory flags', () => {
    const flags = Object.fromEntries([...models.values()].map((m) => [m.id, [m.name, m.multiple, m.mandatory]]));
    expect(flags).toEqual({
      0: ['lwm2mSecurity', true, true],
      1: ['lwm2mServer', true, true],
      2: ['lwm2mAccessControl', true, false],
      3: ['device', false, true],
      4: ['connectivityMonitoring', false, false],
      5: ['firmwareUpdate', false, false],
      6: ['location', false, false],
      7: ['connectivityStatistics', false, false],
      3303: ['temperature', true, false],
      3304: ['humidity', true, false],
      3311: ['lightControl', true, false],
    });
  });

  it('define Device (3) as in its OMA registry DDF', () => {
    expectRows(
      3,
      [
        [0, 'manufacturer', 'R', false, 'string'],
        [1, 'modelNumber', 'R', false, 'string'],
        [2, 'serialNumber', 'R', false, 'string'],
        [3, 'firmwareVersion', 'R', false, 'string'],
        [4, 'reboot', 'E', false, 'none', true],
        [5, 'factoryReset', 'E', false, 'none'],
        [6, 'availablePowerSources', 'R', true, 'integer'],
        [7, 'powerSourceVoltage', 'R', true, 'integer'],
        [8, 'powerSourceCurrent', 'R', true, 'integer'],
        [9, 'batteryLevel', 'R', false, 'integer'],
        [10, 'memoryFree', 'R', false, 'integer'],
        [11, 'errorCode', 'R', true, 'integer', true],
        [12, 'resetErrorCode', 'E', false, 'none'],
        [13, 'currentTime', 'RW', false, 'time'],
        [14, 'utcOffset', 'RW', false, 'string'],
        [15, 'timezone', 'RW', false, 'string'],
        [16, 'supportedBindingAndModes', 'R', false, 'string', true],
        [17, 'deviceType', 'R', false, 'string'],
        [18, 'hardwareVersion', 'R', false, 'string'],
        [19, 'softwareVersion', 'R', false, 'string'],
        [20, 'batteryStatus', 'R', false, 'integer'],
        [21, 'memoryTotal', 'R', false, 'integer'],
        [22, 'extDevInfo', 'R', true, 'objlnk'],
      ],
      true,
    );
    const device = models.get(3) as ObjectModel;
    expect(device.resources.get(6)?.range).toEqual({ min: 0, max: 7 });
    expect(device.resources.get(9)).toMatchObject({ range: { min: 0, max: 100 }, units: '%' });
    expect(device.resources.get(11)?.range).toEqual({ min: 0, max: 32 });
    expect(device.resources.get(20)?.range).toEqual({ min: 0, max: 6 });
    expect([7, 8, 10, 21].map((id) => device.resources.get(id)?.units)).toEqual(['mV', 'mA', 'KB', 'KB']);
  });

  it('define Connectivity Monitoring (4) as in its OMA registry DDF: all readable, 1, 4, 5 and 7 multiple', () => {
    expectRows(
      4,
      [
        [0, 'networkBearer', 'R', false, 'integer', true],
        [1, 'availableNetworkBearer', 'R', true, 'integer', true],
        [2, 'radioSignalStrength', 'R', false, 'integer', true],
        [3, 'linkQuality', 'R', false, 'integer'],
        [4, 'ipAddresses', 'R', true, 'string', true],
        [5, 'routerIpAddresses', 'R', true, 'string'],
        [6, 'linkUtilization', 'R', false, 'integer'],
        [7, 'apn', 'R', true, 'string'],
        [8, 'cellId', 'R', false, 'integer'],
        [9, 'smnc', 'R', false, 'integer'],
        [10, 'smcc', 'R', false, 'integer'],
        [11, 'signalSnr', 'R', false, 'integer'],
        [12, 'lac', 'R', false, 'integer'],
        [13, 'coverageEnhancementLevel', 'R', false, 'integer'],
      ],
      true,
    );
    const cm = models.get(4) as ObjectModel;
    expect([2, 6, 11].map((id) => cm.resources.get(id)?.units)).toEqual(['dBm', '%', 'dB']);
  });

  it('define Firmware Update (5) as in its OMA registry DDF', () => {
    expectRows(
      5,
      [
        [0, 'package', 'W', false, 'opaque', true],
        [1, 'packageUri', 'RW', false, 'string', true],
        [2, 'update', 'E', false, 'none', true],
        [3, 'state', 'R', false, 'integer', true],
        [5, 'updateResult', 'R', false, 'integer', true],
        [6, 'pkgName', 'R', false, 'string'],
        [7, 'pkgVersion', 'R', false, 'string'],
        [8, 'firmwareUpdateProtocolSupport', 'R', true, 'integer'],
        [9, 'firmwareUpdateDeliveryMethod', 'R', false, 'integer', true],
        [10, 'cancel', 'E', false, 'none'],
        [11, 'severity', 'RW', false, 'integer'],
        [12, 'lastStateChangeTime', 'R', false, 'time'],
        [13, 'maximumDeferPeriod', 'RW', false, 'unsignedInteger'],
        [14, 'automaticUpgradeAtDownload', 'RW', false, 'boolean'],
      ],
      true,
    );
    const fw = models.get(5) as ObjectModel;
    expect([3, 5, 8, 9].map((id) => fw.resources.get(id)?.range)).toEqual([
      { min: 0, max: 3 },
      { min: 0, max: 11 },
      { min: 0, max: 5 },
      { min: 0, max: 2 },
    ]);
  });

  it('define Location (6) v1.0 as in its OMA registry DDF: all readable, latitude/longitude/timestamp mandatory', () => {
    expectRows(
      6,
      [
        [0, 'latitude', 'R', false, 'float', true],
        [1, 'longitude', 'R', false, 'float', true],
        [2, 'altitude', 'R', false, 'float', false],
        [3, 'radius', 'R', false, 'float', false],
        [4, 'velocity', 'R', false, 'opaque', false],
        [5, 'timestamp', 'R', false, 'time', true],
        [6, 'speed', 'R', false, 'float', false],
      ],
      true,
    );
    expect([2, 3, 6].map((id) => models.get(6)?.resources.get(id)?.units)).toEqual(['m', 'm', 'm/s']);
  });

  it('define Security (0) and Server (1) resources named in their OMA registry DDFs', () => {
    expectRows(0, [
      [0, 'lwm2mServerUri', '', false, 'string', true],
      [1, 'bootstrapServer', '', false, 'boolean', true],
      [2, 'securityMode', '', false, 'integer', true],
      [3, 'publicKeyOrIdentity', '', false, 'opaque'],
      [4, 'serverPublicKey', '', false, 'opaque'],
      [5, 'secretKey', '', false, 'opaque'],
      [10, 'shortServerId', '', false, 'integer'],
      [11, 'clientHoldOffTime', '', false, 'integer'],
      [12, 'bootstrapServerAccountTimeout', '', false, 'integer'],
    ], false);
    expect([...(models.get(0) as ObjectModel).resources.values()].every((r) => r.operations === '')).toBe(true);
    expect([...(models.get(0) as ObjectModel).resources.keys()]).toEqual([...Array(31).keys()]);
    expectRows(1, [
      [0, 'shortServerId', 'R', false, 'integer', true],
      [1, 'lifetime', 'RW', false, 'unsignedInteger', true],
      [2, 'defaultMinimumPeriod', 'RW', false, 'integer'],
      [3, 'defaultMaximumPeriod', 'RW', false, 'integer'],
      [4, 'disable', 'E', false, 'none'],
      [5, 'disableTimeout', 'RW', false, 'integer'],
      [6, 'notificationStoringWhenDisabledOrOffline', 'RW', false, 'boolean', true],
      [7, 'binding', 'RW', false, 'string', true],
      [8, 'registrationUpdateTrigger', 'E', false, 'none', true],
      [9, 'bootstrapRequestTrigger', 'E', false, 'none'],
      [23, 'muteSend', 'RW', false, 'boolean'],
    ], false);
    expect([...(models.get(1) as ObjectModel).resources.keys()]).toEqual([...Array(28).keys()]);
  });

  it('define the IPSO reusable resources of 3303, 3304 and 3311', () => {
    for (const id of [3303, 3304]) {
      expectRows(
        id,
        [
          [5518, 'timestamp', 'R', false, 'time'],
          [5601, 'minMeasuredValue', 'R', false, 'float'],
          [5602, 'maxMeasuredValue', 'R', false, 'float'],
          [5603, 'minRangeValue', 'R', false, 'float'],
          [5604, 'maxRangeValue', 'R', false, 'float'],
          [5605, 'resetMinAndMaxMeasuredValues', 'E', false, 'none'],
          [5700, 'sensorValue', 'R', false, 'float', true],
          [5701, 'sensorUnits', 'R', false, 'string'],
          [5750, 'applicationType', 'RW', false, 'string'],
          [6042, 'measurementQualityIndicator', 'R', false, 'integer'],
          [6049, 'measurementQualityLevel', 'R', false, 'integer'],
          [6050, 'fractionalTimestamp', 'R', false, 'float'],
        ],
        true,
      );
    }
    expectRows(
      3311,
      [
        [5701, 'sensorUnits', 'R', false, 'string'],
        [5706, 'colour', 'RW', false, 'string'],
        [5750, 'applicationType', 'RW', false, 'string'],
        [5805, 'cumulativeActivePower', 'R', false, 'float'],
        [5820, 'powerFactor', 'R', false, 'float'],
        [5850, 'onOff', 'RW', false, 'boolean', true],
        [5851, 'dimmer', 'RW', false, 'integer'],
        [5852, 'onTime', 'RW', false, 'integer'],
      ],
      true,
    );
  });

  it('give executable resources no type and every other resource a type', () => {
    for (const model of models.values()) {
      for (const r of model.resources.values()) expect(r.type === 'none', `/${model.id}/x/${r.id}`).toBe(r.operations === 'E');
    }
  });
});
