import { describe, expect, it } from 'vitest';
import {
  codeToText,
  DEFAULT_TRANSMISSION_PARAMETERS,
  EXCHANGE_LIFETIME_MS,
  isSuccess,
  MAX_RTT_MS,
  MAX_TRANSMIT_SPAN_MS,
  MAX_TRANSMIT_WAIT_MS,
  maxTransmitWaitMs,
  methodFromCode,
  NON_LIFETIME_MS,
  OptionNumber,
  resolveTransmissionParameters,
  ResponseCode,
  textToCode,
} from '../../../protocol/coap/constants.ts';

describe('CoAP constants', () => {
  it('converts codes to and from class.detail text (RFC 7252 §3, §12.1)', () => {
    expect(codeToText(0)).toBe('0.00');
    expect(codeToText(1)).toBe('0.01');
    expect(codeToText(69)).toBe('2.05');
    expect(codeToText(95)).toBe('2.31');
    expect(codeToText(132)).toBe('4.04');
    expect(codeToText(160)).toBe('5.00');
    expect(codeToText(255)).toBe('7.31');
    for (let c = 0; c < 256; c++) expect(textToCode(codeToText(c))).toBe(c);
    for (const bad of ['2.5', '2.32', '8.00', 'x.05', '2-05', '', '2.051']) expect(() => textToCode(bad), bad).toThrow(expect.objectContaining({ code: 'COAP_MALFORMED' }));
    expect(() => codeToText(256)).toThrow(expect.objectContaining({ code: 'COAP_MALFORMED' }));
  });

  it('classifies success codes and maps method codes', () => {
    expect(isSuccess(ResponseCode.CONTENT)).toBe(true);
    expect(isSuccess(68)).toBe(true);
    expect(isSuccess('4.04')).toBe(false);
    expect(isSuccess(160)).toBe(false);
    expect([1, 2, 3, 4, 5, 6, 7].map(methodFromCode)).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH']);
    expect(methodFromCode(8)).toBeUndefined();
  });

  it('numbers the options as registered', () => {
    expect(OptionNumber).toMatchObject({
      IF_MATCH: 1, URI_HOST: 3, ETAG: 4, IF_NONE_MATCH: 5, OBSERVE: 6, URI_PORT: 7, LOCATION_PATH: 8, URI_PATH: 11,
      CONTENT_FORMAT: 12, MAX_AGE: 14, URI_QUERY: 15, ACCEPT: 17, LOCATION_QUERY: 20, BLOCK2: 23, BLOCK1: 27, SIZE2: 28,
      PROXY_URI: 35, PROXY_SCHEME: 39, SIZE1: 60, NO_RESPONSE: 258,
    });
  });

  it('derives the RFC 7252 §4.8.2 times from the defaults', () => {
    expect(MAX_TRANSMIT_SPAN_MS).toBe(45_000);
    expect(MAX_TRANSMIT_WAIT_MS).toBe(93_000);
    expect(MAX_RTT_MS).toBe(202_000);
    expect(EXCHANGE_LIFETIME_MS).toBe(247_000);
    expect(NON_LIFETIME_MS).toBe(145_000);
    expect(DEFAULT_TRANSMISSION_PARAMETERS).toEqual({ ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, exchangeLifetimeMs: 247_000, requestTimeoutMs: 10_000 });
    expect(maxTransmitWaitMs(DEFAULT_TRANSMISSION_PARAMETERS)).toBe(93_000);
  });

  it('merges and validates parameter overrides', () => {
    expect(resolveTransmissionParameters({ ackTimeoutMs: 20 })).toMatchObject({ ackTimeoutMs: 20, maxRetransmit: 4 });
    for (const bad of [{ ackTimeoutMs: 0 }, { ackRandomFactor: 0.5 }, { maxRetransmit: -1 }, { requestTimeoutMs: Number.NaN }]) {
      expect(() => resolveTransmissionParameters(bad)).toThrow(expect.objectContaining({ code: 'COAP_OPTION_INVALID' }));
    }
  });
});
