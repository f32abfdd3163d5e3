import { describe, expect, it } from 'vitest';
import { JobError } from '../../../jobs/job-error.ts';
import { describeFailure } from '../../../jobs/runtime/device-failure.ts';
import { updateResultMeaning } from '../../../jobs/firmware-update-result.ts';
import { gatewayError } from '../fake-devices.ts';

describe('describeFailure', () => {
  it('retries timeouts, sleeping devices, overload, 5.xx answers and unexpected errors', () => {
    for (const err of [
      gatewayError('TIMEOUT', 't'),
      gatewayError('DEVICE_ASLEEP', 'z'),
      gatewayError('OVERLOADED', 'o'),
      gatewayError('DEVICE_ERROR', '5.03', '5.03'),
      gatewayError('ECONNRESET', 'reset'),
      new Error('Connection is closed.'),
      new JobError('NOT_REGISTERED', 'n'),
    ]) {
      expect(describeFailure(err).retryable, err.message).toBe(true);
    }
  });

  it('does not retry final device answers and other coded errors', () => {
    for (const coap of ['4.00', '4.04', '4.05']) {
      const f = describeFailure(gatewayError('DEVICE_ERROR', `answered ${coap}`, coap));
      expect(f).toEqual({ error: { code: 'DEVICE_ERROR', coapCode: coap, message: `answered ${coap}` }, retryable: false });
    }
    expect(describeFailure(Object.assign(new Error('x'), { code: 'DEVICE_ERROR', details: { coapCode: '4.04' } })).error.coapCode).toBe('4.04');
    expect(describeFailure(gatewayError('BAD_REQUEST', 'b')).retryable).toBe(false);
    expect(describeFailure(gatewayError('NOT_FOUND', 'n')).retryable).toBe(false);
    expect(describeFailure(new JobError('TIMEOUT', 'deadline')).retryable).toBe(false);
    expect(describeFailure(new JobError('FIRMWARE_UPDATE_FAILED', 'f')).error).toEqual({ code: 'FIRMWARE_UPDATE_FAILED', message: 'f' });
  });
});

describe('updateResultMeaning', () => {
  it('names every Update Result code of object 5 (Firmware Update v1.2)', () => {
    expect(updateResultMeaning(0)).toBe('initial value');
    expect(updateResultMeaning(1)).toBe('firmware updated successfully');
    expect(updateResultMeaning(5)).toContain('integrity');
    expect(updateResultMeaning(11)).toBe('firmware update deferred');
    expect(updateResultMeaning(12)).toBe('unknown update result 12');
  });
});
