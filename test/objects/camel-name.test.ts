import { describe, expect, it } from 'vitest';
import { fallbackName, toCamelName, uniqueNames } from '../../objects/camel-name.ts';

describe('toCamelName', () => {
  it.each([
    ['Device', 'device'],
    ['Connectivity Monitoring', 'connectivityMonitoring'],
    ['LwM2M Server', 'lwm2mServer'],
    ['LWM2M Security', 'lwm2mSecurity'],
    ['LWM2M  Server URI', 'lwm2mServerUri'],
    ['Battery Level', 'batteryLevel'],
    ['Radio Signal Strength', 'radioSignalStrength'],
    ['Package URI', 'packageUri'],
    ['Sensor Value', 'sensorValue'],
    ['UTC Offset', 'utcOffset'],
    ['Temperature', 'temperature'],
  ])('names %j as %j (docs/twin-model.md examples)', (ddf, expected) => {
    expect(toCamelName(ddf)).toBe(expected);
  });

  it.each([
    ['SignalSNR', 'signalSnr'],
    ['PkgName', 'pkgName'],
    ['ExtDevInfo', 'extDevInfo'],
    ['On/Off', 'onOff'],
    ['On time', 'onTime'],
    ['TLS-DTLS Alert Code', 'tlsDtlsAlertCode'],
    ['DTLS/TLS Ciphersuite', 'dtlsTlsCiphersuite'],
    ['SMS Binding Secret Key(s)', 'smsBindingSecretKeys'],
    ['TLS 1.3 Features To Use by Client', 'tls13FeaturesToUseByClient'],
    ['Bootstrap-Server', 'bootstrapServer'],
    ['IPv4 Address', 'ipv4Address'],
    ['Object IDs', 'objectIds'],
    ['APNs', 'apns'],
    ['XMLParser', 'xmlParser'],
    ['Humidité', 'humidite'],
    ['  Leading and trailing  ', 'leadingAndTrailing'],
  ])('handles acronyms and punctuation: %j -> %j', (ddf, expected) => {
    expect(toCamelName(ddf)).toBe(expected);
  });

  it('only ever yields letters and digits, never an all-digit name', () => {
    for (const ddf of ['a.b', 'x$y', 'tab\there', 'Key (old)', '50% Level', '3D Fix']) {
      expect(toCamelName(ddf)).toMatch(/^[A-Za-z0-9]+$/);
      expect(toCamelName(ddf)).not.toMatch(/^\d+$/);
    }
    expect(toCamelName('1.0')).toBe('');
    expect(toCamelName('***')).toBe('');
    expect(toCamelName('')).toBe('');
  });

  it('gives id-based fallback names', () => {
    expect(fallbackName('object', 31024)).toBe('object31024');
    expect(fallbackName('resource', 5)).toBe('resource5');
  });
});

describe('uniqueNames', () => {
  it('keeps the name for the lowest id and suffixes later ids', () => {
    const names = uniqueNames([
      { id: 7, name: 'value' },
      { id: 2, name: 'value' },
      { id: 3, name: 'other' },
      { id: 9, name: 'value' },
    ]);
    expect(Object.fromEntries(names)).toEqual({ 2: 'value', 3: 'other', 7: 'value7', 9: 'value9' });
  });

  it('stays unique when a suffixed name is itself taken', () => {
    const names = uniqueNames([
      { id: 1, name: 'a' },
      { id: 2, name: 'a2' },
      { id: 3, name: 'a2' },
      { id: 4, name: 'a' },
    ]);
    expect(new Set(names.values()).size).toBe(4);
    expect(names.get(1)).toBe('a');
    expect(names.get(2)).toBe('a2');
  });
});
