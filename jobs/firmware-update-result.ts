/** Firmware Update object (5) State values (OMA registry object 5 Firmware Update v1.2, objects/ddf/5.xml; OMA TS Core Appendix E.6). */
export const FIRMWARE_STATE = Object.freeze({ idle: 0, downloading: 1, downloaded: 2, updating: 3 });

/** Update Result /5/0/5 codes and their meanings (OMA registry object 5 Firmware Update v1.2, /5/0/5). */
const MEANINGS: readonly string[] = Object.freeze([
  'initial value', // 0
  'firmware updated successfully', // 1
  'not enough flash memory for the new firmware package', // 2
  'out of RAM during the download', // 3
  'connection lost during the download', // 4
  'integrity check failure for the new firmware package', // 5
  'unsupported package type', // 6
  'invalid URI', // 7
  'firmware update failed', // 8
  'unsupported protocol', // 9
  'firmware update cancelled', // 10
  'firmware update deferred', // 11
]);

export const UPDATE_RESULT_SUCCESS = 1;

/** The meaning of an Update Result code; codes outside 0–11 are reported as unknown. */
export function updateResultMeaning(code: number): string {
  return Number.isInteger(code) && code >= 0 && code < MEANINGS.length ? MEANINGS[code] : `unknown update result ${code}`;
}
