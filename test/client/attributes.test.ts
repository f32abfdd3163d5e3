import { describe, expect, it } from 'vitest';
import { applyAttributeChange, mergeAttributes, parseAttributeQuery } from '../../client/attributes.ts';
import { isClientError } from '../../client/errors.ts';
import { parseExecuteArguments } from '../../client/execute-arguments.ts';
import { effectiveAttributes, Observation } from '../../client/observation.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';

const R = LwM2mPath.parse('/3303/0/5700');

function bad(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isClientError(err, 'BAD_REQUEST'), String(err)).toBe(true);
}

describe('Write-Attributes query', () => {
  it('parses values and bare names (unset)', () => {
    expect(parseAttributeQuery(['pmin=10', 'pmax', 'gt=-2.5', 'st=1e1'])).toEqual(new Map<string, number | undefined>([['pmin', 10], ['pmax', undefined], ['gt', -2.5], ['st', 10]]));
  });
  it('refuses unknown, read-only, repeated and malformed attributes', () => {
    for (const q of [['foo=1'], ['dim=2'], ['ver=1.1'], ['pmin=1', 'pmin=2'], ['pmin=-1'], ['pmin=1.5'], ['gt=abc'], ['st=-1'], ['lt=']]) bad(() => parseAttributeQuery(q));
  });
  it('validates the combination after applying the change', () => {
    const set = applyAttributeChange(undefined, parseAttributeQuery(['lt=10', 'gt=20', 'st=4']), R, true);
    expect(set).toEqual({ lt: 10, gt: 20, st: 4 });
    bad(() => applyAttributeChange(set, parseAttributeQuery(['st=5']), R, true)); // 10 + 10 is not < 20
    bad(() => applyAttributeChange(set, parseAttributeQuery(['lt=20']), R, true));
    bad(() => applyAttributeChange({ pmin: 10 }, parseAttributeQuery(['pmax=9']), R, true));
    bad(() => applyAttributeChange({ epmin: 10 }, parseAttributeQuery(['epmax=9']), R, true));
    bad(() => applyAttributeChange(undefined, parseAttributeQuery(['gt=1']), R.parent(), false));
    bad(() => applyAttributeChange(undefined, parseAttributeQuery(['gt=1']), R, false));
    expect(applyAttributeChange({ pmin: 1 }, parseAttributeQuery(['pmin']), R, true)).toBeUndefined();
  });
  it('merges levels with the most specific winning', () => {
    expect(mergeAttributes([{ pmin: 1, pmax: 100 }, { pmin: 2 }, undefined, { pmax: 50, gt: 3 }])).toEqual({ pmin: 2, pmax: 50, gt: 3 });
  });
});

describe('effective attributes and threshold evaluation', () => {
  it('applies server defaults and raises pmax below pmin', () => {
    expect(effectiveAttributes({}, 5, 60, true)).toEqual({ pminMs: 5000, pmaxMs: 60000, epminMs: 0, epmaxMs: 0 });
    expect(effectiveAttributes({ pmin: 30 }, undefined, 10, true).pmaxMs).toBe(30000);
    expect(effectiveAttributes({ gt: 5 }, undefined, undefined, false).gt).toBeUndefined();
  });
  it('marks pending on gt/lt crossings and st steps only', () => {
    const o = new Observation(Buffer.from([1]), { address: '127.0.0.1', port: 1 }, R, 0, undefined, 0);
    const attrs = effectiveAttributes({ gt: 20, lt: 10, st: 5 }, undefined, undefined, true);
    o.lastValue = 15;
    const seq: boolean[] = [];
    for (const v of [16, 21, 19, 9, 12]) {
      o.pending = false;
      o.evaluate(v, attrs, 0);
      seq.push(o.pending);
      if (o.pending) o.lastValue = v;
    }
    // 16: no; 21 crosses gt (and moved 6 ≥ st); 19 crosses back; 9 crosses lt; 12 crosses lt back
    expect(seq).toEqual([false, true, true, true, true]);
    o.lastValue = 12;
    o.pending = false;
    o.evaluate(17.5, attrs, 0);
    expect(o.pending).toBe(true); // st step of 5.5
  });
});

describe('Execute arguments', () => {
  it("parses 0,1='x' lists", () => {
    expect(parseExecuteArguments('')).toEqual(new Map());
    expect(parseExecuteArguments("0,1='coap://a,b',9")).toEqual(new Map<number, string | undefined>([[0, undefined], [1, 'coap://a,b'], [9, undefined]]));
  });
  it('refuses malformed lists', () => {
    for (const t of ['x', '0=1', "0='x", '0,,1', '0,0', '10', "0='a'b"]) bad(() => parseExecuteArguments(t));
  });
});
