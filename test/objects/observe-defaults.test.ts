import { beforeAll, describe, expect, it } from 'vitest';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { DEFAULT_OBSERVED_OBJECT_IDS, defaultObserveTargets, isReadable } from '../../objects/observe-defaults.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';

let registry: ObjectRegistry;
beforeAll(async () => {
  registry = await ObjectRegistry.loadDefault();
});

const texts = (paths: readonly LwM2mPath[]): string[] => paths.map(String);

describe('defaultObserveTargets (docs/twin-model.md#observation-defaults)', () => {
  it('observes objects 3, 4, 5 and 6 by default', () => {
    expect(DEFAULT_OBSERVED_OBJECT_IDS).toEqual([3, 4, 5, 6]);
  });

  it('lists the readable resources of each default object, grouped per instance', () => {
    const groups = defaultObserveTargets(registry);
    expect(groups.map((g) => g.instance.toString())).toEqual(['/3/0', '/4/0', '/5/0', '/6/0']);
    const device = groups[0];
    expect(texts(device.resources)).toEqual([0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22].map((id) => `/3/0/${id}`));
    expect(groups[1].resources).toHaveLength(14);
    expect(texts(groups[2].resources)).toEqual([1, 3, 5, 6, 7, 8, 9, 11, 12, 13, 14].map((id) => `/5/0/${id}`));
    expect(texts(groups[3].resources)).toEqual([0, 1, 2, 3, 4, 5, 6].map((id) => `/6/0/${id}`));
  });

  it('never includes write-only, executable or inaccessible resources', () => {
    for (const group of defaultObserveTargets(registry, { objectIds: [0, 1, 3, 5] })) {
      for (const path of group.resources) {
        const resource = registry.resource(path.objectId as number, path.resourceId as number);
        expect(resource && isReadable(resource), path.toString()).toBe(true);
      }
    }
    expect(defaultObserveTargets(registry, { objectIds: [0] })).toEqual([]); // Security has no operations at all
  });

  it('follows the instances a device registered', () => {
    const instances = ['/1/0', '/3/0', '/3303/2', '/3303/0', '/3303/2', '/6', '/31024/0'].map((p) => LwM2mPath.parse(p));
    const groups = defaultObserveTargets(registry, { objectIds: [3303, 3, 6, 31024], instances });
    expect(groups.map((g) => g.instance.toString())).toEqual(['/3303/0', '/3303/2', '/3/0']);
    expect(texts(groups[0].resources)).toEqual([5518, 5601, 5602, 5603, 5604, 5700, 5701, 5750, 6042, 6049, 6050].map((id) => `/3303/0/${id}`));
  });
});
