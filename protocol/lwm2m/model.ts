/**
 * The slice of the object model the codecs need. `objects/` implements `ModelLookup`; codecs take it as a parameter
 * so that `protocol/` never depends on `objects/`.
 */
export type ResourceType = 'string' | 'integer' | 'unsignedInteger' | 'float' | 'boolean' | 'opaque' | 'time' | 'objlnk' | 'corelnk' | 'none';

export type Operations = '' | 'R' | 'W' | 'RW' | 'E';

export interface ResourceModel {
  readonly id: number;
  /** Stable camelCase name used for twin properties (`batteryLevel`). */
  readonly name: string;
  readonly type: ResourceType;
  readonly operations: Operations;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly units?: string;
  /** Inclusive numeric range, when the DDF gives one. */
  readonly range?: { min: number; max: number };
  readonly description?: string;
}

export interface ObjectModel {
  readonly id: number;
  /** Stable camelCase name used for twin properties (`device`, `connectivityMonitoring`). */
  readonly name: string;
  /** OMA object version, `"1.0"` when absent. */
  readonly version: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly urn?: string;
  readonly description?: string;
  readonly resources: ReadonlyMap<number, ResourceModel>;
}

export interface ModelLookup {
  object(objectId: number): ObjectModel | undefined;
  resource(objectId: number, resourceId: number): ResourceModel | undefined;
}

/** A lookup that knows no object: codecs then decode numbers as numbers, strings as strings, and so on. */
export const EMPTY_MODEL: ModelLookup = {
  object: () => undefined,
  resource: () => undefined,
};
