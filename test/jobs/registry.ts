// The bundled object registry, loaded once per test file.
import { ObjectRegistry } from '../../objects/object-registry.ts';

let registry: Promise<ObjectRegistry> | undefined;
export function loadRegistry(): Promise<ObjectRegistry> {
  registry ??= ObjectRegistry.loadDefault();
  return registry;
}
