import { QueryError } from './query-error.ts';

/**
 * Token kinds:
 * - `word`: an identifier or keyword (`SELECT`, `tags`, `IS_DEFINED`); keywords are recognised by the parser,
 *   case-insensitively.
 * - `segment`: a path segment right after a `.` — letters, digits, `_` and `$` in any order, so
 *   `temperature.0.sensorValue` and `properties.reported.31024.10.1` lex as paths, never as decimal numbers.
 * - `number`: decimal (`12`, `1.5`, `2e-3`) or hexadecimal (`0x1F`); a sign is a separate `-` token.
 * - `string`: single- or double-quoted, with JSON-style backslash escapes; `value` holds the decoded text.
 * - `punct`: one of `( ) [ ] , . * + - / % = != <> < > <= >=`.
 * - `eof`: end of input (start = end = text length).
 */
export type TokenKind = 'word' | 'segment' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token. */
  readonly text: string;
  /** Decoded value for `string` and `number` tokens. */
  readonly value?: string | number;
  readonly start: number;
  readonly end: number;
}

const WORD = /[\p{L}_$][\p{L}\p{N}\p{M}_$]*/uy;
const SEGMENT = /[\p{L}\p{N}\p{M}_$]+/uy;
const NUMBER = /0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD_CHAR = /[\p{L}\p{N}\p{M}_$]/uy;
const WHITESPACE = /\s+/y;
const TWO_CHAR_PUNCT = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHAR_PUNCT = new Set(['(', ')', '[', ']', ',', '.', '*', '+', '-', '/', '%', '=', '<', '>']);
const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Splits a query into tokens, ending with one `eof` token. Throws `QueryError` (QUERY_SYNTAX) on a bad character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const n = text.length;
  while (true) {
    WHITESPACE.lastIndex = pos;
    if (WHITESPACE.test(text)) pos = WHITESPACE.lastIndex;
    if (pos >= n) break;
    const prev = tokens[tokens.length - 1];
    const ch = text[pos];
    if (prev !== undefined && prev.kind === 'punct' && prev.text === '.') {
      SEGMENT.lastIndex = pos;
      const m = SEGMENT.exec(text);
      if (m) {
        tokens.push({ kind: 'segment', text: m[0], start: pos, end: pos + m[0].length });
        pos += m[0].length;
        continue;
      }
    }
    WORD.lastIndex = pos;
    const word = WORD.exec(text);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], start: pos, end: pos + word[0].length });
      pos += word[0].length;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      tokens.push(lexNumber(text, pos));
      pos = tokens[tokens.length - 1].end;
      continue;
    }
    if (ch === "'" || ch === '"') {
      tokens.push(lexString(text, pos));
      pos = tokens[tokens.length - 1].end;
      continue;
    }
    const two = text.slice(pos, pos + 2);
    if (TWO_CHAR_PUNCT.has(two)) {
      tokens.push({ kind: 'punct', text: two, start: pos, end: pos + 2 });
      pos += 2;
      continue;
    }
    if (ONE_CHAR_PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch, start: pos, end: pos + 1 });
      pos += 1;
      continue;
    }
    const cp = text.codePointAt(pos) ?? 0;
    throw new QueryError('QUERY_SYNTAX', `unexpected character ${describeChar(String.fromCodePoint(cp))}`, { text, position: pos });
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n });
  return tokens;
}

function lexNumber(text: string, start: number): Token {
  NUMBER.lastIndex = start;
  const m = NUMBER.exec(text);
  // The caller saw a digit, so the pattern always matches at least that digit.
  const raw = m ? m[0] : text[start];
  const end = start + raw.length;
  WORD_CHAR.lastIndex = end;
  if (WORD_CHAR.test(text)) {
    WORD_CHAR.lastIndex = end;
    let stop = end;
    while (stop < text.length && WORD_CHAR.test(text)) stop = WORD_CHAR.lastIndex;
    throw new QueryError('QUERY_SYNTAX', `invalid number '${truncate(text.slice(start, stop))}'`, { text, position: start });
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new QueryError('QUERY_SYNTAX', `number '${truncate(raw)}' is out of range`, { text, position: start });
  }
  return { kind: 'number', text: raw, value, start, end };
}

function lexString(text: string, start: number): Token {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { kind: 'string', text: text.slice(start, i + 1), value: out, start, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new QueryError('QUERY_SYNTAX', `invalid escape '\\u${truncate(hex)}' in string (expected 4 hex digits)`, { text, position: i });
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    const simple = SIMPLE_ESCAPES[e];
    if (simple === undefined) {
      throw new QueryError('QUERY_SYNTAX', `invalid escape ${describeChar('\\' + e)} in string`, { text, position: i });
    }
    out += simple;
    i += 2;
  }
  throw new QueryError('QUERY_SYNTAX', `unterminated string starting with ${quote}`, { text, position: start });
}

function describeChar(s: string): string {
  return /^[\x21-\x7e]+$/.test(s) ? `'${s}'` : JSON.stringify(s);
}

/** Shortens a snippet of query text for use in an error message. */
export function truncate(s: string, max = 30): string {
  return s.length <= max ? s : s.slice(0, max) + '…';
}
