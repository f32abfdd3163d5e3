import type { LwM2mPath } from './path.ts';

/**
 * The LwM2M node tree (OMA TS Core §7.4). Values are typed by the object model:
 *   integer / unsignedInteger -> number (bigint when beyond 2^53)
 *   float -> number; boolean -> boolean; string -> string
 *   time -> Date; opaque -> Uint8Array (Buffer); objlnk -> "O:I" string; corelnk -> string
 */
export type LwM2mValue = string | number | bigint | boolean | Date | Uint8Array;

export interface LwM2mSingleResource {
  kind: 'resource';
  id: number;
  value: LwM2mValue;
}

export interface LwM2mMultipleResource {
  kind: 'multipleResource';
  id: number;
  /** resource-instance id -> value */
  instances: Map<number, LwM2mValue>;
}

export type LwM2mResource = LwM2mSingleResource | LwM2mMultipleResource;

export interface LwM2mObjectInstance {
  kind: 'objectInstance';
  id: number;
  resources: Map<number, LwM2mResource>;
}

export interface LwM2mObject {
  kind: 'object';
  id: number;
  instances: Map<number, LwM2mObjectInstance>;
}

/** A resource instance addressed on its own (`/3/0/6/1`). */
export interface LwM2mResourceInstance {
  kind: 'resourceInstance';
  id: number;
  value: LwM2mValue;
}

export type LwM2mNode = LwM2mObject | LwM2mObjectInstance | LwM2mResource | LwM2mResourceInstance;

/** Flat form used by composite operations, SenML, notifications and the twin: one entry per leaf path. */
export interface LwM2mLeaf {
  path: LwM2mPath;
  value: LwM2mValue;
}
