import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../server/query/lexer.ts';
import { isQueryError } from '../../../server/query/query-error.ts';

const kinds = (text: string) => tokenize(text).map((t) => `${t.kind}:${t.value ?? t.text}`);

function syntaxErrorAt(text: string): number | undefined {
  try {
    tokenize(text);
  } catch (e) {
    expect(isQueryError(e, 'QUERY_SYNTAX')).toBe(true);
    return (e as { position?: number }).position;
  }
  return undefined;
}

describe('tokenize', () => {
  it('splits words, punctuation and literals with their offsets', () => {
    const tokens = tokenize("SELECT * FROM devices WHERE a.b <> 'x'");
    expect(tokens.map((t) => [t.kind, t.text, t.start, t.end])).toEqual([
      ['word', 'SELECT', 0, 6],
      ['punct', '*', 7, 8],
      ['word', 'FROM', 9, 13],
      ['word', 'devices', 14, 21],
      ['word', 'WHERE', 22, 27],
      ['word', 'a', 28, 29],
      ['punct', '.', 29, 30],
      ['segment', 'b', 30, 31],
      ['punct', '<>', 32, 34],
      ['string', "'x'", 35, 38],
      ['eof', '', 38, 38],
    ]);
  });

  it('reads every comparison operator as one token', () => {
    expect(kinds('= != <> < > <= >=').slice(0, -1)).toEqual(['punct:=', 'punct:!=', 'punct:<>', 'punct:<', 'punct:>', 'punct:<=', 'punct:>=']);
  });

  it('reads decimal, float, exponent and hexadecimal numbers', () => {
    expect(kinds('12 1.5 2e3 2.5E-1 0x1F 0XfF').slice(0, -1)).toEqual([
      'number:12',
      'number:1.5',
      'number:2000',
      'number:0.25',
      'number:31',
      'number:255',
    ]);
    // The sign is a separate token (the parser folds it into the literal).
    expect(kinds('-5').slice(0, -1)).toEqual(['punct:-', 'number:5']);
  });

  it('reads numeric and mixed path segments after a dot, never as decimals', () => {
    expect(kinds('temperature.0.sensorValue').slice(0, -1)).toEqual(['word:temperature', 'punct:.', 'segment:0', 'punct:.', 'segment:sensorValue']);
    expect(kinds('r.31024.10.1').slice(0, -1)).toEqual(['word:r', 'punct:.', 'segment:31024', 'punct:.', 'segment:10', 'punct:.', 'segment:1']);
    expect(kinds('a.$version').slice(0, -1)).toEqual(['word:a', 'punct:.', 'segment:$version']);
  });

  it('decodes string escapes in single- and double-quoted strings', () => {
    expect(tokenize(String.raw`'it\'s' "say \"hi\"" 'a\\b\n\t\u00e9\/'`).slice(0, 3).map((t) => t.value)).toEqual([
      "it's",
      'say "hi"',
      'a\\b\n\t\u00e9/',
    ]);
    expect(tokenize(`'double " inside' "single ' inside"`).slice(0, 2).map((t) => t.value)).toEqual(['double " inside', "single ' inside"]);
  });

  it('accepts Unicode letters in names', () => {
    expect(kinds('tags.région').slice(0, -1)).toEqual(['word:tags', 'punct:.', 'segment:région']);
  });

  it('reports bad input at the offending character', () => {
    expect(syntaxErrorAt("a = 'open")).toBe(4);
    expect(syntaxErrorAt(String.raw`a = 'bad \q escape'`)).toBe(9);
    expect(syntaxErrorAt(String.raw`a = '\u12G4'`)).toBe(5);
    expect(syntaxErrorAt('a = 12abc')).toBe(4);
    expect(syntaxErrorAt('a = 0x')).toBe(4);
    expect(syntaxErrorAt('a # b')).toBe(2);
    expect(syntaxErrorAt('a = 1e999')).toBe(4);
    expect(syntaxErrorAt('a ! b')).toBe(2);
    expect(syntaxErrorAt('ok = 1')).toBeUndefined();
  });
});
