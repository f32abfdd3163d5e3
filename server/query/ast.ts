/**
 * Syntax tree of the twin query language (Azure IoT Hub query language doc). Produced by `parseQuery` / `parseCondition`, consumed by the
 * evaluator, the index-hint extractor and the canonical printer. Every node carries `start`/`end` (0-based offsets
 * into the query text, end exclusive) so later passes can report errors at the right place.
 */

/** A JSON primitive: the only values comparisons accept (Azure IoT Hub query language doc, "Expressions and conditions": comparisons only between primitive values). */
export type Primitive = string | number | boolean | null;

/** A literal as written: a primitive, or the `undefined` keyword. */
export type LiteralValue = Primitive | undefined;

export interface NodeBase {
  readonly start: number;
  readonly end: number;
}

export interface LiteralNode extends NodeBase {
  readonly kind: 'literal';
  readonly value: LiteralValue;
}

/**
 * A twin path. `segments` is normalised: the optional `devices.` prefix is dropped, the root field is spelled as in
 * the twin (`tags`, `properties`, `deviceId`, …), and bracketed / numeric segments are plain strings
 * (`temperature['0']` and `temperature.0` both give `['…', 'temperature', '0']`).
 */
export interface PathNode extends NodeBase {
  readonly kind: 'path';
  readonly segments: readonly string[];
}

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';
/** `<>` is parsed as `!=`. */
export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';

export interface NegateNode extends NodeBase {
  readonly kind: 'negate';
  readonly operand: Expression;
}

export interface ArithmeticNode extends NodeBase {
  readonly kind: 'arithmetic';
  readonly operator: ArithmeticOperator;
  readonly left: Expression;
  readonly right: Expression;
}

export interface ComparisonNode extends NodeBase {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `operand IN [..]` or, with `negated`, `operand NIN [..]`. */
export interface InNode extends NodeBase {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly operand: Expression;
  readonly values: readonly Primitive[];
}

export interface NotNode extends NodeBase {
  readonly kind: 'not';
  readonly operand: Expression;
}

/** AND / OR chains are flattened: `a AND b AND c` is one node with three operands. */
export interface LogicalNode extends NodeBase {
  readonly kind: 'and' | 'or';
  readonly operands: readonly Expression[];
}

export type ScalarFunctionName =
  | 'IS_DEFINED'
  | 'IS_NULL'
  | 'IS_STRING'
  | 'IS_NUMBER'
  | 'IS_BOOL'
  | 'IS_OBJECT'
  | 'IS_PRIMITIVE'
  | 'STARTSWITH'
  | 'ENDSWITH'
  | 'CONTAINS'
  | 'LOWER'
  | 'UPPER';

export interface CallNode extends NodeBase {
  readonly kind: 'call';
  readonly name: ScalarFunctionName;
  readonly args: readonly Expression[];
}

export type AggregateFunctionName = 'COUNT' | 'AVG' | 'SUM' | 'MIN' | 'MAX';

/** Only valid as a whole SELECT column (checked by the parser). `argument` is absent for COUNT(). */
export interface AggregateNode extends NodeBase {
  readonly kind: 'aggregate';
  readonly name: AggregateFunctionName;
  readonly argument?: Expression;
}

export type Expression =
  | LiteralNode
  | PathNode
  | NegateNode
  | ArithmeticNode
  | ComparisonNode
  | InNode
  | NotNode
  | LogicalNode
  | CallNode
  | AggregateNode;

/** One SELECT column. `name` is the key in result rows: the alias, else the last path segment, else `$<n>`. */
export interface Projection extends NodeBase {
  readonly expression: Expression;
  readonly alias?: string;
  readonly name: string;
}

export type SelectClause =
  | { readonly kind: 'star'; readonly top?: number }
  | { readonly kind: 'columns'; readonly top?: number; readonly columns: readonly Projection[] };

export interface QueryAst {
  readonly select: SelectClause;
  /** Only the `devices` collection is supported. */
  readonly from: 'devices';
  readonly where?: Expression;
  readonly groupBy: readonly Expression[];
}
