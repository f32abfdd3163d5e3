import { ProtocolError } from '../../errors.ts';

/** Throws the decode error every codec uses for malformed input. */
export function decodeFail(message: string, cause?: unknown): never {
  throw new ProtocolError('CODEC_DECODE', message, cause === undefined ? undefined : { cause });
}

/** Throws the encode error every codec uses for values that do not fit the format or the model. */
export function encodeFail(message: string): never {
  throw new ProtocolError('CODEC_ENCODE', message);
}
