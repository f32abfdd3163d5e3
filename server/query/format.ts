import type { Expression, Primitive, QueryAst } from './ast.ts';

/**
 * Canonical text of a query or expression: keywords and function names upper case, single-quoted strings, minimal
 * parentheses. Parsing the output gives back an equivalent tree, so the text serves as an identity for a query
 * (continuation tokens hash it) and for comparing expressions (GROUP BY columns).
 */
export function formatQuery(q: QueryAst): string {
  let out = 'SELECT ';
  if (q.select.top !== undefined) out += `TOP ${q.select.top} `;
  out +=
    q.select.kind === 'star'
      ? '*'
      : q.select.columns.map((c) => formatExpression(c.expression) + (c.alias === undefined ? '' : ` AS ${c.alias}`)).join(', ');
  out += ' FROM devices';
  if (q.where !== undefined) out += ` WHERE ${formatExpression(q.where)}`;
  if (q.groupBy.length > 0) out += ` GROUP BY ${q.groupBy.map((e) => formatExpression(e)).join(', ')}`;
  return out;
}

// Binding strength, loosest first.
const OR = 1;
const AND = 2;
const NOT = 3;
const COMPARE = 4;
const ADDITIVE = 5;
const MULTIPLICATIVE = 6;
const NEGATE = 7;
const PRIMARY = 8;

function precedence(e: Expression): number {
  switch (e.kind) {
    case 'or':
      return OR;
    case 'and':
      return AND;
    case 'not':
      return NOT;
    case 'comparison':
    case 'in':
      return COMPARE;
    case 'arithmetic':
      return e.operator === '+' || e.operator === '-' ? ADDITIVE : MULTIPLICATIVE;
    case 'negate':
      return NEGATE;
    case 'literal':
      return typeof e.value === 'number' && Object.is(Math.sign(e.value), -1) ? NEGATE : PRIMARY;
    default:
      return PRIMARY;
  }
}

/** Formats `e`, parenthesised when it binds looser than `min`. */
function operand(e: Expression, min: number): string {
  const s = formatExpression(e);
  return precedence(e) < min ? `(${s})` : s;
}

export function formatExpression(e: Expression): string {
  switch (e.kind) {
    case 'literal':
      return e.value === undefined ? 'undefined' : formatPrimitive(e.value);
    case 'path':
      return formatPath(e.segments);
    case 'negate': {
      const inner = operand(e.operand, NEGATE);
      return inner.startsWith('-') ? `- ${inner}` : `-${inner}`;
    }
    case 'arithmetic': {
      const p = precedence(e);
      return `${operand(e.left, p)} ${e.operator} ${operand(e.right, p + 1)}`;
    }
    case 'comparison':
      return `${operand(e.left, ADDITIVE)} ${e.operator} ${operand(e.right, ADDITIVE)}`;
    case 'in':
      return `${operand(e.operand, ADDITIVE)} ${e.negated ? 'NIN' : 'IN'} [${e.values.map(formatPrimitive).join(', ')}]`;
    case 'not':
      return `NOT ${operand(e.operand, NOT)}`;
    case 'and':
      return e.operands.map((o) => operand(o, AND + 1)).join(' AND ');
    case 'or':
      return e.operands.map((o) => operand(o, OR + 1)).join(' OR ');
    case 'call':
      return `${e.name}(${e.args.map(formatExpression).join(', ')})`;
    case 'aggregate':
      return `${e.name}(${e.argument === undefined ? '' : formatExpression(e.argument)})`;
  }
}

const PLAIN_SEGMENT = /^[\p{L}\p{N}\p{M}_$]+$/u;

/** Dotted path text; segments that are not plain names are bracketed (`tags['a-b']`). */
export function formatPath(segments: readonly string[]): string {
  let out = segments[0] ?? '';
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    out += PLAIN_SEGMENT.test(s) ? `.${s}` : `[${formatString(s)}]`;
  }
  return out;
}

export function formatPrimitive(v: Primitive): string {
  if (typeof v === 'string') return formatString(v);
  return String(v);
}

function formatString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `'${s.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
    }
  })}'`;
}
