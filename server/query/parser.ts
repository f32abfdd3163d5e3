import type {
  AggregateFunctionName,
  ComparisonOperator,
  Expression,
  LiteralValue,
  Primitive,
  Projection,
  QueryAst,
  SelectClause,
} from './ast.ts';
import { AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS, isAggregateFunctionName, isScalarFunctionName } from './functions.ts';
import { tokenize, truncate, type Token } from './lexer.ts';
import { QueryError, type QueryErrorCode } from './query-error.ts';
import { PROPERTY_SECTIONS, TWIN_ROOT_FIELDS, canonicalRoot } from './twin-fields.ts';
import { checkCondition, checkQuery } from './validate.ts';

/** Azure IoT Hub query language doc (and IoT Hub quotas): queries are limited to 8192 characters. */
export const MAX_QUERY_LENGTH = 8192;
/** Parentheses, NOT, unary minus and function calls may nest this deep (keeps the recursive-descent stack bounded). */
export const MAX_NESTING = 64;

/** Words that cannot be used as a field name or alias. Functions are not reserved (`COUNT() AS count` is fine). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'SELECT', 'TOP', 'FROM', 'WHERE', 'GROUP', 'BY', 'AS', 'AND', 'OR', 'NOT', 'IN', 'NIN',
  'TRUE', 'FALSE', 'NULL', 'UNDEFINED',
]);

const COMPARISON_OPERATORS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);
const LITERAL_WORDS: ReadonlyMap<string, LiteralValue> = new Map<string, LiteralValue>([
  ['TRUE', true],
  ['FALSE', false],
  ['NULL', null],
  ['UNDEFINED', undefined],
]);

/**
 * Parses a twin query (Azure IoT Hub query language doc):
 * ```
 * query      := SELECT [TOP n] ('*' | column (',' column)*) FROM devices [WHERE expr] [GROUP BY expr (',' expr)*]
 * column     := expr [AS name]                      -- expr may be COUNT() / AVG(e) / SUM(e) / MIN(e) / MAX(e)
 * expr       := and (OR and)*
 * and        := not (AND not)*
 * not        := NOT not | comparison
 * comparison := additive [('=' | '!=' | '<>' | '<' | '>' | '<=' | '>=') additive | (IN | NIN) '[' constants ']']
 * additive   := multiplicative (('+' | '-') multiplicative)*
 * multiplicative := unary (('*' | '/' | '%') unary)*
 * unary      := '-' unary | primary
 * primary    := number | string | TRUE | FALSE | NULL | UNDEFINED | '(' expr ')' | name '(' [expr (',' expr)*] ')' | path
 * path       := [devices '.'] root ('.' segment | '[' (string | integer) ']')*
 * ```
 * Keywords and function names are case-insensitive. Throws only `QueryError`.
 */
export function parseQuery(text: string): QueryAst {
  const tokens = tokenizeChecked(text);
  const ast = new Parser(text, tokens).query();
  checkQuery(ast, text);
  return ast;
}

/**
 * Parses a bare condition — the part after WHERE — as used by job `queryCondition` (Azure IoT Hub jobs doc).
 * Positions in errors are relative to `text`.
 */
export function parseCondition(text: string): Expression {
  const tokens = tokenizeChecked(text);
  const expr = new Parser(text, tokens).condition();
  checkCondition(expr, text);
  return expr;
}

function tokenizeChecked(text: unknown): Token[] {
  if (typeof text !== 'string') throw new QueryError('QUERY_SYNTAX', 'the query must be a string');
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QueryError('QUERY_TOO_LONG', `the query has ${text.length} characters, the limit is ${MAX_QUERY_LENGTH}`, {
      text,
      position: MAX_QUERY_LENGTH,
    });
  }
  return tokenize(text);
}

/** A token as quoted in messages: strings as written (already quoted), others in single quotes. */
function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of query';
  return t.kind === 'string' ? truncate(t.text) : `'${truncate(t.text)}'`;
}

class Parser {
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  query(): QueryAst {
    if (!this.acceptWord('SELECT')) this.expected('SELECT');
    const select = this.selectClause();
    if (!this.acceptWord('FROM')) {
      const last = select.kind === 'columns' ? select.columns[select.columns.length - 1] : undefined;
      this.expected(last === undefined ? 'FROM' : last.alias === undefined ? "AS, ',' or FROM" : "',' or FROM");
    }
    this.from();
    let where: Expression | undefined;
    const groupBy: Expression[] = [];
    if (this.acceptWord('WHERE')) where = this.expression();
    if (this.acceptWord('GROUP')) {
      if (!this.acceptWord('BY')) this.expected('BY');
      do groupBy.push(this.expression());
      while (this.acceptPunct(','));
    }
    if (!this.atEnd()) {
      this.expected(groupBy.length > 0 ? "',' or end of query" : where ? 'AND, OR, GROUP BY or end of query' : 'WHERE, GROUP BY or end of query');
    }
    return where === undefined ? { select, from: 'devices', groupBy } : { select, from: 'devices', where, groupBy };
  }

  condition(): Expression {
    if (this.atEnd()) this.expected('a condition');
    const expr = this.expression();
    if (!this.atEnd()) this.expected('AND, OR or end of condition');
    return expr;
  }

  // --- clauses ---------------------------------------------------------------------------------------------------

  private selectClause(): SelectClause {
    let top: number | undefined;
    if (this.acceptWord('TOP')) {
      const t = this.tok;
      if (t.kind !== 'number') this.expected('a whole number');
      if (!Number.isSafeInteger(t.value)) this.fail(`TOP expects a whole number, got '${truncate(t.text)}'`, t.start);
      this.advance();
      top = t.value as number;
    }
    if (this.acceptPunct('*')) return top === undefined ? { kind: 'star' } : { kind: 'star', top };
    const columns: Projection[] = [];
    do {
      if (!this.canStartExpression()) this.expected(columns.length === 0 ? "'*' or a column" : 'a column');
      columns.push(this.projection(columns.length + 1));
    } while (this.acceptPunct(','));
    return top === undefined ? { kind: 'columns', columns } : { kind: 'columns', top, columns };
  }

  private projection(index: number): Projection {
    const expression = this.expression();
    let alias: string | undefined;
    if (this.acceptWord('AS')) {
      const t = this.tok;
      if (t.kind !== 'word' || RESERVED_WORDS.has(t.text.toUpperCase())) this.expected('a column name');
      this.advance();
      alias = t.text;
    }
    const name = alias ?? defaultColumnName(expression, index);
    const base = { expression, name, start: expression.start, end: this.prev.end };
    return alias === undefined ? base : { ...base, alias };
  }

  private from(): void {
    const t = this.tok;
    if (t.kind !== 'word' || t.text.toLowerCase() !== 'devices') this.expected("'devices'");
    this.advance();
    if (this.isPunct('.')) {
      const member = this.tokens[this.i + 1];
      if (member.kind === 'segment' && ['modules', 'jobs'].includes(member.text.toLowerCase())) {
        this.fail(`FROM devices.${member.text} is not supported, only FROM devices`, t.start, 'QUERY_UNSUPPORTED');
      }
      this.expected('WHERE, GROUP BY or end of query');
    }
  }

  // --- expressions -----------------------------------------------------------------------------------------------

  private expression(): Expression {
    return this.or();
  }

  private or(): Expression {
    const first = this.and();
    if (!this.isWord('OR')) return first;
    const operands = [first];
    while (this.acceptWord('OR')) operands.push(this.and());
    return { kind: 'or', operands, start: first.start, end: operands[operands.length - 1].end };
  }

  private and(): Expression {
    const first = this.not();
    if (!this.isWord('AND')) return first;
    const operands = [first];
    while (this.acceptWord('AND')) operands.push(this.not());
    return { kind: 'and', operands, start: first.start, end: operands[operands.length - 1].end };
  }

  private not(): Expression {
    if (!this.isWord('NOT')) return this.comparison();
    const t = this.advance();
    this.enter(t);
    const operand = this.not();
    this.nesting--;
    return { kind: 'not', operand, start: t.start, end: operand.end };
  }

  private comparison(): Expression {
    const left = this.additive();
    const t = this.tok;
    if (t.kind === 'punct' && COMPARISON_OPERATORS.has(t.text)) {
      this.advance();
      const right = this.additive();
      const operator = (t.text === '<>' ? '!=' : t.text) as ComparisonOperator;
      return { kind: 'comparison', operator, left, right, start: left.start, end: right.end };
    }
    if (this.isWord('IN') || this.isWord('NIN')) {
      this.advance();
      const values = this.arrayConstant();
      return { kind: 'in', negated: t.text.toUpperCase() === 'NIN', operand: left, values, start: left.start, end: this.prev.end };
    }
    return left;
  }

  private arrayConstant(): Primitive[] {
    if (!this.acceptPunct('[')) this.expected("'[' and a list of values");
    const values: Primitive[] = [];
    if (this.acceptPunct(']')) return values;
    do values.push(this.constant());
    while (this.acceptPunct(','));
    if (!this.acceptPunct(']')) this.expected("',' or ']'");
    return values;
  }

  private constant(): Primitive {
    const t = this.tok;
    if (t.kind === 'string') {
      this.advance();
      return t.value as string;
    }
    if (t.kind === 'number') {
      this.advance();
      return t.value as number;
    }
    if (this.isPunct('-') && this.tokens[this.i + 1].kind === 'number') {
      this.advance();
      return -(this.advance().value as number);
    }
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE' || upper === 'NULL') {
        this.advance();
        return LITERAL_WORDS.get(upper) as Primitive;
      }
    }
    return this.expected('a string, number, true, false or null');
  }

  private additive(): Expression {
    let left = this.multiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const operator = this.advance().text as '+' | '-';
      const right = this.multiplicative();
      left = { kind: 'arithmetic', operator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private multiplicative(): Expression {
    let left = this.unary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const operator = this.advance().text as '*' | '/' | '%';
      const right = this.unary();
      left = { kind: 'arithmetic', operator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private unary(): Expression {
    if (!this.isPunct('-')) return this.primary();
    const t = this.advance();
    this.enter(t);
    const operand = this.unary();
    this.nesting--;
    if (operand.kind === 'literal' && typeof operand.value === 'number') {
      return { kind: 'literal', value: -operand.value, start: t.start, end: operand.end };
    }
    return { kind: 'negate', operand, start: t.start, end: operand.end };
  }

  private primary(): Expression {
    const t = this.tok;
    if (t.kind === 'number' || t.kind === 'string') {
      this.advance();
      return { kind: 'literal', value: t.value, start: t.start, end: t.end };
    }
    if (this.isPunct('(')) {
      this.advance();
      this.enter(t);
      const inner = this.expression();
      this.nesting--;
      if (!this.acceptPunct(')')) this.expected("')'");
      return inner;
    }
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase();
      if (LITERAL_WORDS.has(upper)) {
        this.advance();
        return { kind: 'literal', value: LITERAL_WORDS.get(upper), start: t.start, end: t.end };
      }
      if (RESERVED_WORDS.has(upper)) this.expected('a value');
      if (this.isPunct('(', this.tokens[this.i + 1])) return this.call();
      return this.path();
    }
    return this.expected('a value');
  }

  private call(): Expression {
    const t = this.advance();
    const name = t.text.toUpperCase();
    if (!isScalarFunctionName(name) && !isAggregateFunctionName(name)) {
      const known = [...Object.keys(SCALAR_FUNCTIONS), ...Object.keys(AGGREGATE_FUNCTIONS)].join(', ');
      this.fail(`function '${truncate(t.text)}' is not supported (supported: ${known})`, t.start, 'QUERY_UNSUPPORTED');
    }
    this.advance(); // '('
    this.enter(t);
    const args: Expression[] = [];
    if (!this.acceptPunct(')')) {
      do args.push(this.expression());
      while (this.acceptPunct(','));
      if (!this.acceptPunct(')')) this.expected("',' or ')'");
    }
    this.nesting--;
    const end = this.prev.end;
    const arity = isScalarFunctionName(name) ? SCALAR_FUNCTIONS[name].arity : AGGREGATE_FUNCTIONS[name as AggregateFunctionName];
    if (args.length !== arity) {
      const wanted = arity === 0 ? 'no arguments' : arity === 1 ? '1 argument' : `${arity} arguments`;
      this.fail(`${name} takes ${wanted}, got ${args.length}`, t.start);
    }
    if (isScalarFunctionName(name)) return { kind: 'call', name, args, start: t.start, end };
    const aggregate = name as AggregateFunctionName;
    return args.length === 0
      ? { kind: 'aggregate', name: aggregate, start: t.start, end }
      : { kind: 'aggregate', name: aggregate, argument: args[0], start: t.start, end };
  }

  private path(): Expression {
    const first = this.advance();
    let rootToken = first;
    if (first.text.toLowerCase() === 'devices' && this.isPunct('.')) {
      this.advance();
      if (this.tok.kind !== 'segment') this.expected('a twin field');
      rootToken = this.advance();
    }
    const root = canonicalRoot(rootToken.text);
    if (root === undefined) {
      this.fail(
        `unknown field '${truncate(rootToken.text)}' (a path starts with ${Object.keys(TWIN_ROOT_FIELDS).join(', ')})`,
        rootToken.start,
      );
    }
    const segments = [root];
    while (this.isPunct('.') || this.isPunct('[')) {
      const opener = this.advance();
      let segment: string;
      let segmentStart: number;
      if (opener.text === '.') {
        if (this.tok.kind !== 'segment') this.expected('a property name');
        segmentStart = this.tok.start;
        segment = this.advance().text;
      } else {
        const s = this.tok;
        segmentStart = s.start;
        if (s.kind === 'string') segment = s.value as string;
        else if (s.kind === 'number' && Number.isSafeInteger(s.value) && /^\d+$/.test(s.text)) segment = s.text;
        else this.expected('a quoted property name or an index');
        this.advance();
        if (!this.acceptPunct(']')) this.expected("']'");
      }
      if (TWIN_ROOT_FIELDS[root] === 'scalar') this.fail(`'${root}' has no members`, opener.start);
      if (root === 'properties' && segments.length === 1) {
        const section = PROPERTY_SECTIONS.find((s) => s === segment.toLowerCase());
        if (section === undefined) this.fail(`expected 'desired' or 'reported' after 'properties' but found '${truncate(segment)}'`, segmentStart);
        segment = section;
      }
      segments.push(segment);
    }
    return { kind: 'path', segments, start: first.start, end: this.prev.end };
  }

  // --- token helpers ---------------------------------------------------------------------------------------------

  private get tok(): Token {
    return this.tokens[this.i];
  }

  /** The last consumed token (the parser never asks before consuming one). */
  private get prev(): Token {
    return this.tokens[Math.max(0, this.i - 1)];
  }

  private atEnd(): boolean {
    return this.tokens[this.i].kind === 'eof';
  }

  private advance(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isWord(keyword: string, t: Token = this.tok): boolean {
    return t.kind === 'word' && t.text.toUpperCase() === keyword;
  }

  private isPunct(p: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  private acceptWord(keyword: string): boolean {
    if (!this.isWord(keyword)) return false;
    this.i++;
    return true;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  private canStartExpression(): boolean {
    const t = this.tok;
    if (t.kind === 'number' || t.kind === 'string') return true;
    if (t.kind === 'punct') return t.text === '(' || t.text === '-';
    if (t.kind !== 'word') return false;
    const upper = t.text.toUpperCase();
    return !RESERVED_WORDS.has(upper) || upper === 'NOT' || LITERAL_WORDS.has(upper);
  }

  private enter(t: Token): void {
    if (++this.nesting > MAX_NESTING) {
      this.fail(`expression nested more than ${MAX_NESTING} levels deep`, t.start, 'QUERY_UNSUPPORTED');
    }
  }

  private fail(detail: string, position: number, code: QueryErrorCode = 'QUERY_SYNTAX'): never {
    throw new QueryError(code, detail, { text: this.text, position });
  }

  /** "expected X after 'prev' but found 'tok'", at the position of the unexpected token. */
  private expected(what: string): never {
    const after = this.i > 0 ? ` after ${describe(this.prev)}` : '';
    return this.fail(`expected ${what}${after} but found ${describe(this.tok)}`, this.tok.start);
  }
}

/** Result key for a column without AS: the last path segment, the aggregate's name in lower case, else `$<n>`. */
function defaultColumnName(e: Expression, index: number): string {
  if (e.kind === 'path') return e.segments[e.segments.length - 1];
  if (e.kind === 'aggregate') return e.name.toLowerCase();
  return `$${index}`;
}
