import { ClientError } from './errors.ts';

/**
 * Execute arguments (OMA TS Core 1.1 §6.3, Execute): `arglist = arg *("," arg)`, `arg = DIGIT ["=" "'" *CHAR "'"]`,
 * e.g. `0,1='coap://x'`. The map goes from argument digit to its value (`undefined` when the argument has none).
 */
export type ExecuteArguments = ReadonlyMap<number, string | undefined>;

export const NO_ARGUMENTS: ExecuteArguments = new Map();

/** Parses an Execute payload; an empty payload is no arguments. Malformed text is `BAD_REQUEST`. */
export function parseExecuteArguments(text: string): ExecuteArguments {
  if (text.length === 0) return NO_ARGUMENTS;
  const out = new Map<number, string | undefined>();
  let i = 0;
  const fail = (why: string): never => {
    throw new ClientError('BAD_REQUEST', `execute arguments "${text}": ${why} at offset ${i}`);
  };
  for (;;) {
    const c = text.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) fail('expected an argument digit');
    const key = c - 48;
    if (out.has(key)) fail(`argument ${key} given twice`);
    i++;
    let value: string | undefined;
    if (text[i] === '=') {
      i++;
      if (text[i] !== "'") fail('expected a quote');
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail('unterminated value');
      value = text.slice(i + 1, end);
      i = end + 1;
    }
    out.set(key, value);
    if (i === text.length) return out;
    if (text[i] !== ',') fail('expected ","');
    i++;
  }
}
