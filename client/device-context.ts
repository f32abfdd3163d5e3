import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { AttributeStore } from './attribute-store.ts';
import type { FormatPolicy } from './content-formats.ts';
import type { Notifier } from './notifier.ts';
import type { ObjectTree } from './object-tree.ts';

/** What the operation handlers (`client/operations/*`) see of a client. `LwM2mClient` implements it. */
export interface DeviceContext {
  readonly tree: ObjectTree;
  readonly model: ModelLookup;
  readonly formats: FormatPolicy;
  readonly attributes: AttributeStore;
  readonly notifier: Notifier;
  /** Epoch ms. */
  now(): number;
  /** Instances were created or deleted: the registration must be updated with the new object links. */
  objectsChanged(): void;
  /** Next Observe number (24-bit, rising). */
  nextObserveSeq(): number;
}
