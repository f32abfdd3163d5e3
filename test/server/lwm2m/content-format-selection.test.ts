import { describe, expect, it } from 'vitest';
import { selectContentFormat } from '../../../server/lwm2m/content-format-selection.ts';
import type { LwM2mVersion } from '../../../server/registration/registration.ts';

const all = () => true;
const reg = (lwm2mVersion: LwM2mVersion, contentFormats: number[]) => ({ lwm2mVersion, contentFormats });

describe('selectContentFormat', () => {
  it('prefers SenML CBOR, then SenML JSON, when announced', () => {
    expect(selectContentFormat(reg('1.1', [60, 110, 112, 11542]), 'tree', all)).toBe(112);
    expect(selectContentFormat(reg('1.1', [110, 11542]), 'single', all)).toBe(110);
    expect(selectContentFormat(reg('1.1', [110, 112]), 'composite', all)).toBe(112);
  });

  it('assumes TLV for a 1.0 device, announced or not, and maps the legacy code', () => {
    expect(selectContentFormat(reg('1.0', []), 'tree', all)).toBe(11542);
    expect(selectContentFormat(reg('1.0', []), 'single', all)).toBe(11542);
    expect(selectContentFormat(reg('1.0', [1542]), 'tree', all)).toBe(11542);
    expect(selectContentFormat(reg('1.0', []), 'composite', all)).toBeUndefined();
  });

  it('falls back to text for a single value and to nothing for a tree when no structured format fits', () => {
    expect(selectContentFormat(reg('1.1', [0, 40, 42]), 'single', all)).toBe(0);
    expect(selectContentFormat(reg('1.1', [0, 40, 42]), 'tree', all)).toBeUndefined();
    expect(selectContentFormat(reg('1.1', [0, 40, 42]), 'composite', all)).toBeUndefined();
  });

  it('uses LwM2M CBOR or JSON when those are the only structured formats announced', () => {
    expect(selectContentFormat(reg('1.2', [11544]), 'tree', all)).toBe(11544);
    expect(selectContentFormat(reg('1.1', [11543]), 'tree', all)).toBe(11543);
  });

  it('skips formats without a codec', () => {
    expect(selectContentFormat(reg('1.1', [110, 112]), 'tree', (cf) => cf !== 112)).toBe(110);
  });
});
