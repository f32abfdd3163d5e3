import { describe, expect, it } from 'vitest';
import { EMPTY_MODEL } from '../../../protocol/lwm2m/model.ts';
import { coerceValue, leaf, leavesEqual, leavesToNode, nodesEqual, nodeToLeaves, valuesEqual } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { DEVICE_NODE, instance, multiple, object, single } from './fixtures.ts';
import { expectNode, expectProtocolError } from './helpers.ts';
import { TEST_MODEL } from './test-model.ts';

const p = (s: string) => LwM2mPath.parse(s);

describe('node-util', () => {
  describe('nodeToLeaves / leavesToNode', () => {
    it('flattens an instance to one leaf per value and rebuilds it', () => {
      const leaves = nodeToLeaves(DEVICE_NODE, p('/3/0'));
      expect(leaves).toHaveLength(16);
      expect(leaves.map((l) => l.path.toString())).toContain('/3/0/7/1');
      expectNode(leavesToNode(leaves, p('/3/0'), TEST_MODEL), DEVICE_NODE);
    });

    it('builds objects, resources and resource instances at their paths', () => {
      const leaves = [leaf('/1/0/1', 300), leaf('/1/2/1', 60)];
      expectNode(leavesToNode(leaves, p('/1'), TEST_MODEL), object(1, [instance(0, [single(1, 300)]), instance(2, [single(1, 60)])]));
      expectNode(leavesToNode([leaf('/3/0/9', 5)], p('/3/0/9'), TEST_MODEL), single(9, 5));
      expectNode(leavesToNode([leaf('/3/0/6/3', 5)], p('/3/0/6/3'), TEST_MODEL), { kind: 'resourceInstance', id: 3, value: 5 });
    });

    it('makes a resource the model marks multiple a multipleResource, empty when no instance is given', () => {
      expectNode(leavesToNode([leaf('/3/0/6/0', 1)], p('/3/0/6'), TEST_MODEL), multiple(6, { 0: 1 }));
      expectNode(leavesToNode([], p('/3/0/6'), TEST_MODEL), multiple(6, {}));
      expectNode(leavesToNode([leaf('/3/0/9', 1)], p('/3/0'), TEST_MODEL), instance(0, [single(9, 1)]));
    });

    it('without a model, resource instances make a multiple resource', () => {
      expectNode(leavesToNode([leaf('/31024/0/1/7', 'x')], p('/31024/0'), EMPTY_MODEL), instance(0, [multiple(1, { 7: 'x' })]));
    });

    it('rejects leaves that cannot form the node (CODEC_DECODE)', () => {
      expectProtocolError(() => leavesToNode([leaf('/4/0/0', 1)], p('/3/0'), TEST_MODEL), 'CODEC_DECODE', /\/4\/0\/0 is outside the requested path \/3\/0/);
      expectProtocolError(() => leavesToNode([leaf('/3/0/9', 1), leaf('/3/0/9', 2)], p('/3/0'), TEST_MODEL), 'CODEC_DECODE', /duplicate value for \/3\/0\/9/);
      expectProtocolError(() => leavesToNode([leaf('/3/0/6', 1)], p('/3/0'), TEST_MODEL), 'CODEC_DECODE', /\/3\/0\/6 is a multiple resource but a single value was given/);
      expectProtocolError(() => leavesToNode([leaf('/3/0/9/0', 1)], p('/3/0'), TEST_MODEL), 'CODEC_DECODE', /\/3\/0\/9 is a single resource but resource instances were given/);
      expectProtocolError(() => leavesToNode([leaf('/31024/0/1', 1), leaf('/31024/0/1/0', 1)], p('/31024/0'), EMPTY_MODEL), 'CODEC_DECODE', /both a single value and resource instances/);
      expectProtocolError(() => leavesToNode([], p('/3/0/9'), TEST_MODEL), 'CODEC_DECODE', /no value for the single resource \/3\/0\/9/);
      expectProtocolError(() => leavesToNode([], p('/3/0/6/1'), TEST_MODEL), 'CODEC_DECODE', /no value for the resource instance \/3\/0\/6\/1/);
      expectProtocolError(() => leavesToNode([], p('/'), TEST_MODEL), 'CODEC_DECODE', /root path has no node/);
    });

    it('refuses a node that does not sit at the path (CODEC_ENCODE)', () => {
      expectProtocolError(() => nodeToLeaves(DEVICE_NODE, p('/3')), 'CODEC_ENCODE', /objectInstance node cannot sit at \/3/);
      expectProtocolError(() => nodeToLeaves(DEVICE_NODE, p('/3/1')), 'CODEC_ENCODE', /id 0 does not match path \/3\/1/);
    });
  });

  describe('coerceValue', () => {
    const rm = (o: number, r: number) => TEST_MODEL.resource(o, r);
    it('coerces application input to the model type', () => {
      expect(coerceValue('95', rm(3, 9))).toBe(95);
      expect(coerceValue(95n, rm(3, 9))).toBe(95);
      expect(coerceValue('9223372036854775807', rm(1024, 7))).toBe(2n ** 63n - 1n);
      expect(coerceValue('43.5', rm(6, 0))).toBe(43.5);
      expect(coerceValue('true', rm(1024, 2))).toBe(true);
      expect(coerceValue(0, rm(1024, 2))).toBe(false);
      expect(coerceValue(1367491215, rm(3, 13))).toEqual(new Date(1367491215000));
      expect(coerceValue('2013-05-02T10:40:15Z', rm(3, 13))).toEqual(new Date(1367491215000));
      expect(coerceValue('AQIDBAU=', rm(5, 0))).toEqual(Buffer.from([1, 2, 3, 4, 5]));
      expect(coerceValue('066:00', rm(3, 22))).toBe('66:0');
      expect(coerceValue('x', undefined)).toBe('x');
    });

    it('refuses values that do not fit with MODEL', () => {
      expectProtocolError(() => coerceValue('full', rm(3, 9)), 'MODEL', /resource 9 \(batteryLevel, integer\): "full" is not an integer/);
      expectProtocolError(() => coerceValue(101, rm(3, 9)), 'MODEL', /101 is outside the range 0..100/);
      expectProtocolError(() => coerceValue(-1, rm(1024, 1)), 'MODEL', /out of the unsigned 64-bit range/);
      expectProtocolError(() => coerceValue(5, rm(3, 0)), 'MODEL', /5 is not a string/);
      expectProtocolError(() => coerceValue('yes', rm(1024, 2)), 'MODEL', /not a boolean/);
      expectProtocolError(() => coerceValue('66', rm(3, 22)), 'MODEL', /not an object link/);
      expectProtocolError(() => coerceValue(1, rm(3, 4)), 'MODEL', /type none/);
      expectProtocolError(() => coerceValue({}, undefined), 'MODEL', /an object is not a number/);
    });
  });

  describe('equality', () => {
    it('compares values by content', () => {
      expect(valuesEqual(new Date(5), new Date(5))).toBe(true);
      expect(valuesEqual(Buffer.from([1]), new Uint8Array([1]))).toBe(true);
      expect(valuesEqual(5, 5n)).toBe(true);
      expect(valuesEqual(5, '5')).toBe(false);
      expect(valuesEqual(NaN, NaN)).toBe(true);
    });

    it('compares nodes structurally and leaves as sets', () => {
      expect(nodesEqual(multiple(6, { 0: 1, 1: 5 }), multiple(6, { 1: 5, 0: 1 }))).toBe(true);
      expect(nodesEqual(multiple(6, { 0: 1 }), multiple(6, { 0: 2 }))).toBe(false);
      expect(nodesEqual(single(6, 1), multiple(6, { 0: 1 }))).toBe(false);
      expect(leavesEqual([leaf('/3/0/9', 1), leaf('/3/0/0', 'a')], [leaf('/3/0/0', 'a'), leaf('/3/0/9', 1)])).toBe(true);
      expect(leavesEqual([leaf('/3/0/9', 1)], [leaf('/3/0/9', 2)])).toBe(false);
    });
  });
});
