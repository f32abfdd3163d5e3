import type { LwM2mNode, LwM2mObjectInstance, LwM2mResource, LwM2mValue } from '../../../protocol/lwm2m/node.ts';

/** Hex fixture: spaces and line breaks are ignored. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Builders for expected nodes. */
export function single(id: number, value: LwM2mValue): LwM2mResource {
  return { kind: 'resource', id, value };
}
export function multiple(id: number, values: Record<number, LwM2mValue>): LwM2mResource {
  return { kind: 'multipleResource', id, instances: new Map(Object.entries(values).map(([k, v]) => [Number(k), v])) };
}
export function instance(id: number, resources: LwM2mResource[]): LwM2mObjectInstance {
  return { kind: 'objectInstance', id, resources: new Map(resources.map((r) => [r.id, r])) };
}
export function object(id: number, instances: LwM2mObjectInstance[]): LwM2mNode {
  return { kind: 'object', id, instances: new Map(instances.map((i) => [i.id, i])) };
}

/**
 * The Device object instance of the OMA TLV example, OMA TS LightweightM2M 1.0 §6.4.3.1 "Single Object Instance
 * Request Example" (also used by Leshan's LwM2mNodeDecoderTest): resources 0-3 strings, 6/7/8 multiple integers,
 * 9 battery 100, 10 memory free 15, 11 error code [0], 13 current time 1367491215, 14 "+02:00", 16 "U".
 */
export const DEVICE_TLV = hex(`
  C8 00 14 4F70656E204D6F62696C6520416C6C69616E6365
  C8 01 16 4C69676874776569676874204D324D20436C69656E74
  C8 02 09 333435303030313233
  C3 03 312E30
  86 06 41 00 01 41 01 05
  88 07 08 42 00 0ED8 42 01 1388
  87 08 41 00 7D 42 01 0384
  C1 09 64
  C1 0A 0F
  83 0B 41 00 00
  C4 0D 5182428F
  C6 0E 2B30323A3030
  C1 10 55`);

/** The same instance wrapped in one object-instance TLV, OMA TS 1.0 §6.4.3.2 A). */
export const DEVICE_TLV_WRAPPED = Buffer.concat([hex('08 00 79'), DEVICE_TLV]);

export const DEVICE_NODE = instance(0, [
  single(0, 'Open Mobile Alliance'),
  single(1, 'Lightweight M2M Client'),
  single(2, '345000123'),
  single(3, '1.0'),
  multiple(6, { 0: 1, 1: 5 }),
  multiple(7, { 0: 3800, 1: 5000 }),
  multiple(8, { 0: 125, 1: 900 }),
  single(9, 100),
  single(10, 15),
  multiple(11, { 0: 0 }),
  single(13, new Date(1367491215000)),
  single(14, '+02:00'),
  single(16, 'U'),
]);

/**
 * The same instance in LwM2M JSON, OMA TS LightweightM2M 1.0 §6.4.4 (Leshan json_device_object_instance0).
 * Written without spaces as our encoder writes it.
 */
export const DEVICE_LWM2M_JSON =
  '{"bn":"/3/0/","e":[' +
  '{"n":"0","sv":"Open Mobile Alliance"},{"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},{"n":"3","sv":"1.0"},' +
  '{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},' +
  '{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]}';

/** The same instance in SenML JSON, OMA TS Core 1.1 §7.4.4 (Leshan senml_json_decode_device_object_instance). */
export const DEVICE_SENML_JSON =
  '[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},' +
  '{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},' +
  '{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]';
