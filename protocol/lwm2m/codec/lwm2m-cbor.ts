import type { ModelLookup } from '../model.ts';
import type { LwM2mLeaf, LwM2mNode } from '../node.ts';
import { leavesToNode, nodeToLeaves } from '../node-util.ts';
import { LwM2mPath } from '../path.ts';
import { cborItemToValue, wireToCborItem } from './cbor.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { readCbor, type CborMap, type CborValue } from './cbor-reader.ts';
import { writeCbor } from './cbor-writer.ts';
import type { LwM2mCodec, LwM2mTimedLeaf } from './types.ts';
import { toWireValue } from './values.ts';

/**
 * LwM2M CBOR, `application/vnd.oma.lwm2m+cbor` (CF 11544), OMA TS Core 1.2 §7.4.7.
 *
 * ⚠ The OMA 1.2 text itself could not be read for this implementation (the layout is unverified). What
 * this relies on, from Anjay's decoder and its tests (AVSystem/Anjay `src/core/io/anjay_lwm2m_cbor_in.c`,
 * `tests/core/io/lwm2m_cbor_in.c`) and Leshan's 1.2 notes:
 *  - the payload is one CBOR map; a key is one path id (unsigned integer) or an array of ids, appended to the path
 *    of the enclosing maps, which starts at the root (so paths are absolute, e.g. `{[13, 26, 1]: 42}` or
 *    `{13: {26: {1: 42}}}`);
 *  - a value is either a nested map (more path below) or a resource value typed as in CF 60 (§7.4.6);
 *  - no timestamps; the resulting path is at most four ids and must lie under the request path.
 * Decoding accepts every key form (integers, arrays, mixed, indefinite lengths). Encoding nests maps by path level
 * and folds single-child chains into one array key: leaves /3/0/0 and /3/0/9 give `{[3, 0]: {0: "…", 9: 95}}`.
 * A `null` value (resource removal in Write-Composite) is rejected: a node value cannot be null.
 */

function decodeLeaves(payload: Buffer, model: ModelLookup, basePath?: LwM2mPath): LwM2mTimedLeaf[] {
  const root = readCbor(payload, 'LwM2M CBOR payload');
  if (!(root instanceof Map)) decodeFail('LwM2M CBOR payload is not a CBOR map');
  const out: LwM2mTimedLeaf[] = [];
  const seen = new Set<string>();
  walk(root, [], model, basePath, out, seen);
  return out;
}

function walk(map: CborMap, prefix: number[], model: ModelLookup, basePath: LwM2mPath | undefined, out: LwM2mLeaf[], seen: Set<string>): void {
  for (const [key, value] of map) {
    const ids = prefix.slice();
    if (typeof key === 'number') {
      pushId(ids, key, prefix);
    } else if (Array.isArray(key)) {
      if (key.length === 0) decodeFail(`LwM2M CBOR: empty path array key under /${prefix.join('/')}`);
      for (const k of key) pushId(ids, k, prefix);
    } else {
      decodeFail(`LwM2M CBOR: map key under /${prefix.join('/')} is ${describeKey(key)}, not a path id or an array of ids`);
    }
    if (ids.length > 4) decodeFail(`LwM2M CBOR: path /${ids.join('/')} has more than 4 levels`);
    if (value instanceof Map) {
      walk(value, ids, model, basePath, out, seen);
      continue;
    }
    const path = new LwM2mPath(...ids);
    const text = path.toString();
    if (ids.length < 3) decodeFail(`LwM2M CBOR: ${text} is not a resource or resource instance, so it cannot carry a value`);
    if (basePath !== undefined && !basePath.contains(path)) decodeFail(`LwM2M CBOR: value for ${text} is outside the requested path ${basePath.toString()}`);
    if (seen.has(text)) decodeFail(`LwM2M CBOR: duplicate value for ${text}`);
    seen.add(text);
    const rm = model.resource(ids[0], ids[2]);
    out.push({ path, value: cborItemToValue(value, rm, text, 'value') });
  }
}

function pushId(ids: number[], k: CborValue, prefix: number[]): void {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 65535) {
    decodeFail(`LwM2M CBOR: path id ${describeKey(k)} under /${prefix.join('/')} is not an integer in 0..65535`);
  }
  ids.push(k);
}

function describeKey(k: CborValue): string {
  if (typeof k === 'string') return JSON.stringify(k);
  if (k === null || k === undefined || typeof k !== 'object') return String(k);
  return Array.isArray(k) ? 'an array' : k instanceof Map ? 'a map' : k instanceof Date ? 'a time' : 'a byte string';
}

interface Trie {
  children: Map<number, Trie>;
  value?: unknown;
}

function encodeLeaves(leaves: readonly LwM2mLeaf[], model: ModelLookup): Buffer {
  const root: Trie = { children: new Map() };
  for (const l of leaves) {
    const ids = l.path.ids();
    if (ids.length < 3) encodeFail(`LwM2M CBOR: ${l.path.toString()} is not a resource or resource instance, so it cannot carry a value`);
    let node = root;
    for (const id of ids) {
      if (node.value !== undefined) encodeFail(`LwM2M CBOR: ${l.path.toString()} lies below another value`);
      let next = node.children.get(id);
      if (next === undefined) node.children.set(id, (next = { children: new Map() }));
      node = next;
    }
    if (node.value !== undefined || node.children.size > 0) encodeFail(`LwM2M CBOR: duplicate or overlapping value for ${l.path.toString()}`);
    const rm = ids.length >= 3 ? model.resource(ids[0], ids[2]) : undefined;
    node.value = wireToCborItem(toWireValue(l.value, rm, l.path.toString()));
  }
  return writeCbor(toMap(root));
}

/** Nested maps by path level; a chain of single children folds into one array key. */
function toMap(node: Trie): Map<number | number[], unknown> {
  const out = new Map<number | number[], unknown>();
  for (const [id, child] of node.children) {
    const ids = [id];
    let c = child;
    while (c.value === undefined && c.children.size === 1) {
      const [nextId, next] = c.children.entries().next().value as [number, Trie];
      ids.push(nextId);
      c = next;
    }
    out.set(ids.length === 1 ? id : ids, c.value !== undefined ? c.value : toMap(c));
  }
  return out;
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  return encodeLeaves(nodeToLeaves(node, path), model);
}

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  return leavesToNode(decodeLeaves(payload, model, path.isRoot() ? undefined : path), path, model);
}

export const lwm2mCborCodec: LwM2mCodec = {
  contentFormat: 11544,
  name: 'application/vnd.oma.lwm2m+cbor',
  composite: true,
  encode,
  decode,
  encodeLeaves,
  decodeLeaves,
};
