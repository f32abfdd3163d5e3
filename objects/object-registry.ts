import type { ModelLookup, ObjectModel, ResourceModel } from '../protocol/lwm2m/model.ts';
import { uniqueNames } from './camel-name.ts';
import { BUNDLED_DDF_DIR, loadDdfDirectory } from './ddf-loader.ts';

export interface ObjectRegistryOptions {
  /**
   * Called once per warning (an object overridden by a later file, an object renamed because of a name clash, an
   * empty DDF directory). The warnings are also kept in `registry.warnings`.
   * @defaultValue no callback
   */
  onWarning?: (message: string) => void;
}

interface Entry {
  readonly model: ObjectModel;
  readonly source: string;
}

/**
 * All object models known to the server, keyed by object id and version (OMA TS Core 1.1, "Object Versioning": an
 * object is identified by its id, one definition of it by id plus version).
 *
 * Each object id has one *default* model, used by `object(id)` and by twin property names: the one loaded last.
 * A later file that redefines an object id replaces the default with a warning; other versions stay available by
 * `object(id, version)`. Object names are unique: when two ids claim the same name, the lowest id keeps it and the
 * others get their id appended (`temperature33000`), with a warning.
 */
export class ObjectRegistry implements ModelLookup {
  /** Warnings raised while building the registry, in order. */
  readonly warnings: readonly string[];
  private readonly defaults = new Map<number, ObjectModel>();
  private readonly versions = new Map<number, Map<string, ObjectModel>>();
  private readonly byName = new Map<string, ObjectModel>();

  private constructor(entries: readonly Entry[], warnings: string[], options: ObjectRegistryOptions) {
    const warn = (message: string): void => {
      warnings.push(message);
      options.onWarning?.(message);
    };
    const defaults = new Map<number, Entry>();
    const versions = new Map<number, Map<string, Entry>>();
    for (const entry of entries) {
      const { id, version } = entry.model;
      const byVersion = versions.get(id) ?? new Map<string, Entry>();
      versions.set(id, byVersion);
      const sameVersion = byVersion.get(version);
      const previous = defaults.get(id);
      if (sameVersion) {
        warn(`object ${id} v${version} from ${entry.source} overrides the definition from ${sameVersion.source}`);
      } else if (previous) {
        warn(`object ${id}: v${version} from ${entry.source} replaces v${previous.model.version} from ${previous.source} as the default model`);
      }
      byVersion.set(version, entry);
      defaults.set(id, entry);
    }

    const finalNames = uniqueNames([...defaults.values()].map(({ model }) => ({ id: model.id, name: model.name })));
    for (const [id, entry] of [...defaults].sort((a, b) => a[0] - b[0])) {
      const name = finalNames.get(id) ?? entry.model.name;
      if (name !== entry.model.name) warn(`object ${id} from ${entry.source}: name "${entry.model.name}" is already used by another object, using "${name}"`);
      const renamed = new Map<string, ObjectModel>();
      for (const [version, { model }] of versions.get(id) ?? []) {
        renamed.set(version, model.name === name ? model : Object.freeze({ ...model, name }));
      }
      this.versions.set(id, renamed);
      const model = renamed.get(entry.model.version) as ObjectModel;
      this.defaults.set(id, model);
      this.byName.set(name, model);
    }
    this.warnings = Object.freeze(warnings);
  }

  /**
   * The bundled DDF files (`objects/ddf/`) followed by every `*.xml` in `extraDirs`, in the order given.
   * An unreadable directory or an invalid file is an `ObjectModelError` naming it.
   */
  static async loadDefault(extraDirs: readonly string[] = [], options: ObjectRegistryOptions = {}): Promise<ObjectRegistry> {
    const entries: Entry[] = [];
    const warnings: string[] = [];
    for (const dir of [BUNDLED_DDF_DIR, ...extraDirs]) {
      const files = await loadDdfDirectory(dir);
      if (files.length === 0) {
        warnings.push(`DDF directory ${dir} contains no .xml file`);
        options.onWarning?.(warnings[warnings.length - 1]);
      }
      for (const { file, models } of files) for (const model of models) entries.push({ model, source: file });
    }
    return new ObjectRegistry(entries, warnings, options);
  }

  /** A registry of exactly these models; later models override earlier ones with the same id, as in `loadDefault`. */
  static fromModels(models: Iterable<ObjectModel>, options: ObjectRegistryOptions = {}): ObjectRegistry {
    return new ObjectRegistry(
      [...models].map((model, i) => ({ model, source: `model #${i + 1}` })),
      [],
      options,
    );
  }

  /** The default model of `objectId`, or the model of that exact `version` (`"1.0"`). */
  object(objectId: number, version?: string): ObjectModel | undefined {
    return version === undefined ? this.defaults.get(objectId) : this.versions.get(objectId)?.get(version);
  }

  resource(objectId: number, resourceId: number, version?: string): ResourceModel | undefined {
    return this.object(objectId, version)?.resources.get(resourceId);
  }

  /** The default model whose twin name is `name` (`device`, `connectivityMonitoring`). */
  objectByName(name: string): ObjectModel | undefined {
    return this.byName.get(name);
  }

  /** Every default model, by ascending object id. */
  objects(): ObjectModel[] {
    return [...this.defaults.values()].sort((a, b) => a.id - b.id);
  }

  /** The versions known for `objectId`, ascending (`["1.0", "1.2"]`). */
  versionsOf(objectId: number): string[] {
    const byVersion = this.versions.get(objectId);
    if (!byVersion) return [];
    return [...byVersion.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }
}
