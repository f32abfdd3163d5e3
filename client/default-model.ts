import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import { ObjectRegistry } from '../objects/object-registry.ts';

let loading: Promise<ModelLookup> | undefined;

/** The bundled object registry (`objects/ddf`), loaded once per process for clients given no model. */
export function loadDefaultModel(): Promise<ModelLookup> {
  loading ??= ObjectRegistry.loadDefault();
  return loading;
}
