import { describe, expect, it } from 'vitest';
import { isServerError, ServerError, type ServerErrorCode } from '../../../server/errors.ts';
import { DEFAULT_LIFETIME, parseRegisterParams, parseUpdateParams } from '../../../server/registration/register-params.ts';

function errorOf(fn: () => unknown): ServerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServerError) return err;
    throw err;
  }
  throw new Error('expected a ServerError');
}

function expectError(fn: () => unknown, code: ServerErrorCode, param: string): void {
  const err = errorOf(fn);
  expect(err.code).toBe(code);
  expect(err.details).toMatchObject({ param });
}

describe('parseRegisterParams', () => {
  it('applies the defaults: lt 86400, lwm2m 1.0, binding U, no queue mode, no sms', () => {
    expect(parseRegisterParams(['ep=dev-1'])).toEqual({ endpoint: 'dev-1', lifetime: DEFAULT_LIFETIME, lwm2mVersion: '1.0', binding: 'U', queueMode: false });
    expect(DEFAULT_LIFETIME).toBe(86400);
  });

  it('reads every parameter in any order', () => {
    expect(parseRegisterParams(['b=UQ', 'sms=447700900123', 'lt=300', 'lwm2m=1.0', 'ep=urn:imei:490154203237518'])).toEqual({
      endpoint: 'urn:imei:490154203237518',
      lifetime: 300,
      lwm2mVersion: '1.0',
      binding: 'U',
      queueMode: true,
      smsNumber: '447700900123',
    });
  });

  it('normalises every LwM2M 1.0 binding', () => {
    const cases: Array<[string, string, boolean]> = [
      ['U', 'U', false],
      ['UQ', 'U', true],
      ['S', 'S', false],
      ['SQ', 'S', true],
      ['US', 'US', false],
      ['UQS', 'US', true],
    ];
    for (const [b, binding, queueMode] of cases) {
      expect(parseRegisterParams(['ep=x', `b=${b}`])).toMatchObject({ binding, queueMode, lwm2mVersion: '1.0' });
    }
  });

  it('refuses other 1.0 bindings', () => {
    for (const b of ['T', 'N', 'UT', 'SU', 'USQ', 'Q', 'u', '', 'UU']) expectError(() => parseRegisterParams(['ep=x', `b=${b}`]), 'BAD_REQUEST', 'b');
  });

  it('reads 1.1 and 1.2 bindings as transport letters in canonical order, queue mode from the bare Q flag', () => {
    expect(parseRegisterParams(['ep=x', 'lwm2m=1.1', 'b=U', 'Q'])).toMatchObject({ lwm2mVersion: '1.1', binding: 'U', queueMode: true });
    expect(parseRegisterParams(['ep=x', 'lwm2m=1.1', 'b=NSTU'])).toMatchObject({ binding: 'UTSN', queueMode: false });
    expect(parseRegisterParams(['ep=x', 'lwm2m=1.2', 'b=TU'])).toMatchObject({ lwm2mVersion: '1.2', binding: 'UT' });
    expect(parseRegisterParams(['Q', 'ep=x', 'lwm2m=1.2'])).toMatchObject({ binding: 'U', queueMode: true });
  });

  it('refuses Q in a 1.1+ binding, repeated or unknown letters, and an empty binding', () => {
    for (const b of ['UQ', 'UQS', 'Q', 'UU', 'UX', '', 'u']) expectError(() => parseRegisterParams(['ep=x', 'lwm2m=1.1', `b=${b}`]), 'BAD_REQUEST', 'b');
  });

  it('refuses Q with a value, a repeated Q, and Q from a 1.0 client', () => {
    for (const q of ['Q=1', 'Q=', 'Q=true']) expectError(() => parseRegisterParams(['ep=x', 'lwm2m=1.1', q]), 'BAD_REQUEST', 'Q');
    expectError(() => parseRegisterParams(['ep=x', 'lwm2m=1.1', 'Q', 'Q']), 'BAD_REQUEST', 'Q');
    expectError(() => parseRegisterParams(['ep=x', 'Q']), 'BAD_REQUEST', 'Q');
    expectError(() => parseRegisterParams(['ep=x', 'lwm2m=1.0', 'Q']), 'BAD_REQUEST', 'Q');
  });

  it('accepts lifetimes from 1 to 2^31-1', () => {
    expect(parseRegisterParams(['ep=x', 'lt=1']).lifetime).toBe(1);
    expect(parseRegisterParams(['ep=x', 'lt=2147483647']).lifetime).toBe(2 ** 31 - 1);
    expect(parseRegisterParams(['ep=x', 'lt=0060']).lifetime).toBe(60);
  });

  it('refuses a lifetime that is zero, negative, not an integer, too big or empty', () => {
    for (const lt of ['0', '-1', 'abc', '2147483648', '99999999999', '1.5', '1e3', '+5', ' 5', '']) {
      expectError(() => parseRegisterParams(['ep=x', `lt=${lt}`]), 'BAD_REQUEST', 'lt');
    }
  });

  it('refuses an unsupported lwm2m version with UNSUPPORTED_VERSION, answered 4.12', () => {
    for (const v of ['2.0', '1.3', '0.9', '1.10']) {
      const err = errorOf(() => parseRegisterParams(['ep=x', `lwm2m=${v}`]));
      expect(err.code).toBe('UNSUPPORTED_VERSION');
      expect(err.coapCode).toBe('4.12');
      expect(err.details).toMatchObject({ param: 'lwm2m', version: v });
    }
  });

  it('refuses a malformed lwm2m version with BAD_REQUEST', () => {
    for (const v of ['1', 'abc', '1.1.1', '', 'v1.1']) expectError(() => parseRegisterParams(['ep=x', `lwm2m=${v}`]), 'BAD_REQUEST', 'lwm2m');
  });

  it('refuses a missing or empty ep with BAD_REQUEST, answered 4.00', () => {
    const err = errorOf(() => parseRegisterParams(['lt=60', 'lwm2m=2.0']));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', coapCode: '4.00', httpStatus: 400, details: { param: 'ep' } });
    expectError(() => parseRegisterParams([]), 'BAD_REQUEST', 'ep');
    expectError(() => parseRegisterParams(['ep=']), 'BAD_REQUEST', 'ep');
    expectError(() => parseRegisterParams(['ep']), 'BAD_REQUEST', 'ep');
  });

  it('accepts endpoint names up to 255 characters, with = and non-ASCII letters', () => {
    expect(parseRegisterParams([`ep=${'a'.repeat(255)}`]).endpoint).toHaveLength(255);
    expect(parseRegisterParams(['ep=a=b']).endpoint).toBe('a=b');
    expect(parseRegisterParams([`ep=${'é'.repeat(255)}`]).endpoint).toBe('é'.repeat(255));
  });

  it('refuses endpoint names too long or with control characters or braces', () => {
    for (const ep of ['a'.repeat(256), 'a\u0000b', 'tab\there', 'line\n', 'del\u007f', 'c1\u0085', '{ep}', 'a}b']) {
      expectError(() => parseRegisterParams([`ep=${ep}`]), 'BAD_REQUEST', 'ep');
    }
  });

  it('refuses a malformed sms number', () => {
    for (const sms of ['+447700900123', '', '12a', '1234567890123456']) expectError(() => parseRegisterParams(['ep=x', `sms=${sms}`]), 'BAD_REQUEST', 'sms');
  });

  it('refuses a repeated parameter and a known parameter without value', () => {
    expectError(() => parseRegisterParams(['ep=a', 'ep=b']), 'BAD_REQUEST', 'ep');
    expectError(() => parseRegisterParams(['ep=a', 'lt=60', 'lt=60']), 'BAD_REQUEST', 'lt');
    expectError(() => parseRegisterParams(['ep=a', 'lt']), 'BAD_REQUEST', 'lt');
  });

  it('ignores unknown parameters', () => {
    expect(parseRegisterParams(['ep=x', 'foo=bar', 'pct=5', 'Qx', 'EP=y', 'bogus'])).toEqual(parseRegisterParams(['ep=x']));
  });
});

describe('parseUpdateParams', () => {
  it('returns nothing to change for an Update without parameters', () => {
    expect(parseUpdateParams([], '1.1')).toEqual({});
  });

  it('reads lt, b and sms', () => {
    expect(parseUpdateParams(['lt=60', 'b=TU', 'sms=123'], '1.1')).toEqual({ lifetime: 60, binding: 'UT', smsNumber: '123' });
  });

  it('changes queue mode through a 1.0 binding only', () => {
    expect(parseUpdateParams(['b=UQ'], '1.0')).toEqual({ binding: 'U', queueMode: true });
    expect(parseUpdateParams(['b=U'], '1.0')).toEqual({ binding: 'U', queueMode: false });
    expect(parseUpdateParams(['b=U'], '1.2')).toEqual({ binding: 'U' });
  });

  it('reads b with the rules of the registered version', () => {
    expectError(() => parseUpdateParams(['b=UQ'], '1.1'), 'BAD_REQUEST', 'b');
    expectError(() => parseUpdateParams(['b=T'], '1.0'), 'BAD_REQUEST', 'b');
  });

  it('refuses a malformed lifetime or sms', () => {
    for (const lt of ['0', '-1', 'abc', '2147483648']) expectError(() => parseUpdateParams([`lt=${lt}`], '1.1'), 'BAD_REQUEST', 'lt');
    expectError(() => parseUpdateParams(['sms=+1'], '1.1'), 'BAD_REQUEST', 'sms');
  });

  it('ignores parameters an Update does not carry, including ep, lwm2m and Q', () => {
    expect(parseUpdateParams(['ep=other', 'lwm2m=9.9', 'Q', 'Q=1', 'x=y', 'lt=30'], '1.1')).toEqual({ lifetime: 30 });
  });
});

describe('ServerError', () => {
  it('carries a stable code, an HTTP status and a CoAP code from named factories', () => {
    expect(ServerError.notFound('no such registration')).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, coapCode: '4.04', message: 'no such registration', name: 'ServerError' });
    expect(ServerError.forbidden('ep not allowed')).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403, coapCode: '4.03' });
    expect(ServerError.preconditionFailed('x')).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, coapCode: '4.12' });
    expect(ServerError.overloaded('x')).toMatchObject({ code: 'OVERLOADED', httpStatus: 503, coapCode: '5.03' });
    expect(ServerError.timeout('x')).toMatchObject({ code: 'TIMEOUT', httpStatus: 504 });
    expect(ServerError.timeout('x').coapCode).toBeUndefined();
    expect(ServerError.conflict('x').httpStatus).toBe(409);
    expect(ServerError.deviceError('x', { coapCode: '4.05' })).toMatchObject({ code: 'DEVICE_ERROR', httpStatus: 502, details: { coapCode: '4.05' } });
    expect(ServerError.deviceAsleep('x').code).toBe('DEVICE_ASLEEP');
    const cause = new Error('boom');
    expect(ServerError.internal('x', cause)).toMatchObject({ code: 'INTERNAL', httpStatus: 500, cause });
    expect(new ServerError('BAD_REQUEST', 'x', { httpStatus: 422 }).httpStatus).toBe(422);
    expect(isServerError(ServerError.badRequest('x'), 'BAD_REQUEST')).toBe(true);
    expect(isServerError(ServerError.badRequest('x'), 'NOT_FOUND')).toBe(false);
    expect(isServerError(new Error('x'))).toBe(false);
  });
});
