import { decodeFail } from './codec-error.ts';

/**
 * A parsed JSON value. A `__proto__` key becomes an own data property (never the prototype), so reading parsed
 * objects is safe; use own-property checks (`Object.hasOwn`) rather than `in`.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const MAX_DEPTH = 16;

/**
 * Strict JSON (RFC 8259) for the JSON content formats. Differs from `JSON.parse` where LwM2M needs it:
 * integers beyond 2^53 become `bigint` instead of losing precision, a key repeated in one object is an error
 * (RFC 8259 §4 leaves that undefined), nesting is bounded, and every error is `CODEC_DECODE` naming the offset.
 */
export function parseJson(text: string, what: string): JsonValue {
  const p = new JsonParser(text, what);
  p.skipWs();
  const value = p.value(0);
  p.skipWs();
  if (p.i !== text.length) p.fail('unexpected text after the JSON value');
  return value;
}

class JsonParser {
  i = 0;
  constructor(
    private readonly s: string,
    private readonly what: string,
  ) {}

  fail(reason: string): never {
    return decodeFail(`${this.what}: invalid JSON at offset ${this.i}: ${reason}`);
  }

  skipWs(): void {
    const s = this.s;
    let i = this.i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  value(depth: number): JsonValue {
    const c = this.s.charCodeAt(this.i);
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(Number.isNaN(c) ? 'unexpected end of input' : `unexpected character ${JSON.stringify(this.s[this.i])}`);
    }
  }

  private literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.i)) this.fail(`expected ${word}`);
    this.i += word.length;
    return v;
  }

  private object(depth: number): JsonObject {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const obj: JsonObject = {};
    this.i++;
    this.skipWs();
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return obj;
    }
    while (true) {
      if (this.s.charCodeAt(this.i) !== 0x22) this.fail('expected a string key');
      const keyAt = this.i;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(obj, key)) {
        this.i = keyAt;
        this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      this.skipWs();
      if (this.s.charCodeAt(this.i) !== 0x3a) this.fail("expected ':'");
      this.i++;
      this.skipWs();
      const v = this.value(depth);
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      this.skipWs();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.skipWs();
      } else if (c === 0x7d) {
        this.i++;
        return obj;
      } else {
        this.fail("expected ',' or '}'");
      }
    }
  }

  private array(depth: number): JsonValue[] {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const arr: JsonValue[] = [];
    this.i++;
    this.skipWs();
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return arr;
    }
    while (true) {
      arr.push(this.value(depth));
      this.skipWs();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.skipWs();
      } else if (c === 0x5d) {
        this.i++;
        return arr;
      } else {
        this.fail("expected ',' or ']'");
      }
    }
  }

  private string(): string {
    const s = this.s;
    const start = ++this.i;
    // Fast path: no escapes.
    let i = start;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 0x5c || c < 0x20) break;
      i++;
    }
    let out = s.slice(start, i);
    while (true) {
      if (i >= s.length) {
        this.i = i;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return out;
      }
      if (c < 0x20) {
        this.i = i;
        this.fail('control character in string');
      }
      if (c !== 0x5c) {
        out += s[i++];
        continue;
      }
      const e = s.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 0x22: out += '"'; break;
        case 0x5c: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          let code = 0;
          for (let k = 0; k < 4; k++) {
            const h = s.charCodeAt(i + k);
            const d = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? h - 0x37 : -1;
            if (d < 0) {
              this.i = i - 2;
              this.fail('invalid \\u escape');
            }
            code = code * 16 + d;
          }
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          this.i = i - 2;
          this.fail('invalid escape sequence');
      }
    }
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    if (s.charCodeAt(i) === 0x30) {
      i++;
    } else {
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    }
    if (i === intStart) {
      this.i = i;
      this.fail('expected a digit');
    }
    let integral = true;
    if (s.charCodeAt(i) === 0x2e) {
      integral = false;
      i++;
      const fracStart = i;
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
      if (i === fracStart) {
        this.i = i;
        this.fail('expected a digit after the decimal point');
      }
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      integral = false;
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      const expStart = i;
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
      if (i === expStart) {
        this.i = i;
        this.fail('expected a digit in the exponent');
      }
    }
    this.i = i;
    const text = s.slice(start, i);
    if (integral && i - intStart > 15) {
      const big = BigInt(text);
      if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
      return big;
    }
    const n = Number(text);
    if (!Number.isFinite(n)) {
      this.i = start;
      this.fail(`number ${text} is out of the float64 range`);
    }
    return n;
  }
}

/** Appends `s` as a JSON string literal. */
export function jsonString(s: string): string {
  return JSON.stringify(s);
}
