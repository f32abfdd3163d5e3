import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/generate-api-types.ts';
import { fillPath, parseEventBlock } from '../../api/lwtwin-api.ts';

describe('the typed API client', () => {
  it('is typed by api/openapi-types.ts as the current route schemas generate it', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    const fresh = await generateApiTypes();
    expect(committed === fresh, 'api/openapi-types.ts is out of date: run `npm run generate:api` and commit it').toBe(true);
  });

  it('fills path templates with encoded parameters and refuses a missing one', () => {
    expect(fillPath('/api/devices/{ep}/properties/{property}', { ep: 'a b', property: '/3/0/9' })).toBe('/api/devices/a%20b/properties/%2F3%2F0%2F9');
    expect(() => fillPath('/api/jobs/{id}', {})).toThrow(/missing path parameter id/);
  });

  it('parses server-sent event blocks, skipping comments', () => {
    expect(parseEventBlock('event: reported\ndata: {"deviceId":"d"}')).toEqual({ event: 'reported', data: { deviceId: 'd' } });
    expect(parseEventBlock(': keep-alive')).toBeUndefined();
    expect(parseEventBlock('data: text')).toEqual({ event: 'message', data: 'text' });
  });
});
