import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ObjectModel, Operations, ResourceModel, ResourceType } from '../protocol/lwm2m/model.ts';
import { fallbackName, toCamelName, uniqueNames } from './camel-name.ts';
import { ObjectModelError } from './errors.ts';

/**
 * Parser for OMA LwM2M DDF files (Object Definition Files, schema `LWM2M.xsd` / `LWM2M-v1_1.xsd`, OMA TS Core
 * Appendix "Object Template"): `<LWM2M><Object ObjectType="MODefinition">…<Resources><Item ID="n">…`.
 *
 * Every problem is an `ObjectModelError` with code `DDF_INVALID` whose message starts with the file (`source`) and
 * names the object, resource and element at fault.
 */

const MAX_ID = 65535;

/** DDF `<Type>` values, compared without case and spaces (`Unsigned Integer`, `unsignedinteger`). Empty = none. */
const TYPES: Record<string, ResourceType> = {
  string: 'string',
  integer: 'integer',
  unsignedinteger: 'unsignedInteger',
  float: 'float',
  boolean: 'boolean',
  opaque: 'opaque',
  time: 'time',
  objlnk: 'objlnk',
  corelnk: 'corelnk',
  '': 'none',
};
const TYPE_LIST = 'String, Integer, Unsigned Integer, Float, Boolean, Opaque, Time, Objlnk, Corelnk or empty';

const OPERATIONS: readonly Operations[] = ['', 'R', 'W', 'RW', 'E'];
const NUMERIC_TYPES: ReadonlySet<ResourceType> = new Set(['integer', 'unsignedInteger', 'float']);

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (tagName, _jPath, _isLeaf, isAttribute) => !isAttribute && (tagName === 'Object' || tagName === 'Item'),
});

type XmlNode = Record<string, unknown>;

function invalid(source: string, message: string): ObjectModelError {
  return new ObjectModelError('DDF_INVALID', message, { file: source });
}

/**
 * Parses one DDF document into its object models (a DDF may hold several `<Object>` elements).
 * @param xml the file's text
 * @param source the file name, used at the start of every error message
 */
export function parseDdf(xml: string, source: string): ObjectModel[] {
  if (typeof xml !== 'string') throw invalid(source, `${source}: content is not text`);
  const content = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (content.trim() === '') throw invalid(source, `${source}: file is empty, expected an <LWM2M> document`);
  const valid = XMLValidator.validate(content);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    const where = line !== undefined ? ` (line ${line}${col !== undefined ? `, column ${col}` : ''})` : '';
    throw invalid(source, `${source}: not well-formed XML${where}: ${msg}`);
  }
  let doc: XmlNode;
  try {
    doc = xmlParser.parse(content) as XmlNode;
  } catch (err) {
    throw invalid(source, `${source}: not well-formed XML: ${(err as Error).message}`);
  }
  const root = doc.LWM2M;
  if (root === undefined) throw invalid(source, `${source}: root element must be <LWM2M>, found ${describeRoot(doc)}`);
  const objects = isNode(root) ? root.Object : undefined;
  if (!Array.isArray(objects) || objects.length === 0) throw invalid(source, `${source}: <LWM2M> contains no <Object> element`);

  const models: ObjectModel[] = [];
  const seen = new Set<number>();
  objects.forEach((node: unknown, index) => {
    const where = `${source}: <Object> #${index + 1}`;
    if (!isNode(node)) throw invalid(source, `${where} is empty`);
    const model = parseObject(node, where, source);
    if (seen.has(model.id)) throw invalid(source, `${source}: object ${model.id} is defined twice in the same file`);
    seen.add(model.id);
    models.push(model);
  });
  return models;
}

function parseObject(node: XmlNode, where: string, source: string): ObjectModel {
  const objectType = attribute(node, 'ObjectType');
  if (objectType !== undefined && objectType !== 'MODefinition') throw invalid(source, `${where}: ObjectType "${objectType}" is not "MODefinition"`);

  const rawId = text(node, 'ObjectID', where, source);
  if (rawId === undefined || rawId === '') throw invalid(source, `${where}: missing <ObjectID>`);
  const id = parseId(rawId);
  if (id === undefined) throw invalid(source, `${where}: <ObjectID> "${rawId}" is not an integer in 0..${MAX_ID}`);
  const here = `${source}: object ${id}`;

  const ddfName = text(node, 'Name', here, source);
  if (ddfName === undefined || ddfName === '') throw invalid(source, `${here}: missing <Name>`);
  const version = text(node, 'ObjectVersion', here, source) || '1.0';
  if (!/^\d+\.\d+$/.test(version)) throw invalid(source, `${here}: <ObjectVersion> "${version}" is not MAJOR.MINOR`);
  const multiple = multiplicity(text(node, 'MultipleInstances', here, source), `${here}: <MultipleInstances>`, source);
  const mandatory = mandatoriness(text(node, 'Mandatory', here, source), `${here}: <Mandatory>`, source);

  const resourcesNode = node.Resources;
  let items: unknown[] = [];
  if (Array.isArray(resourcesNode)) throw invalid(source, `${here}: <Resources> appears more than once`);
  if (isNode(resourcesNode)) {
    const raw = resourcesNode.Item;
    items = Array.isArray(raw) ? raw : [];
  } else if (resourcesNode !== undefined && resourcesNode !== '') {
    throw invalid(source, `${here}: <Resources> must contain <Item> elements`);
  }

  const parsed = new Map<number, ParsedResource>();
  items.forEach((item, index) => {
    const itemWhere = `${here}: resource <Item> #${index + 1}`;
    if (!isNode(item)) throw invalid(source, `${itemWhere} is empty`);
    const resource = parseItem(item, itemWhere, here, source);
    const previous = parsed.get(resource.id);
    if (previous) throw invalid(source, `${here}: duplicate resource id ${resource.id} ("${previous.ddfName}" and "${resource.ddfName}")`);
    parsed.set(resource.id, resource);
  });

  const names = uniqueNames([...parsed.values()].map((r) => ({ id: r.id, name: toCamelName(r.ddfName) || fallbackName('resource', r.id) })));
  const resources = new Map<number, ResourceModel>();
  for (const { ddfName: _ddfName, ...rest } of [...parsed.values()].sort((a, b) => a.id - b.id)) {
    resources.set(rest.id, Object.freeze({ ...rest, name: names.get(rest.id) ?? fallbackName('resource', rest.id) }));
  }

  const urn = text(node, 'ObjectURN', here, source);
  const description = text(node, 'Description1', here, source);
  return Object.freeze({
    id,
    name: toCamelName(ddfName) || fallbackName('object', id),
    version,
    multiple,
    mandatory,
    ...(urn ? { urn } : {}),
    ...(description ? { description } : {}),
    resources,
  });
}

type ParsedResource = Omit<ResourceModel, 'name'> & { ddfName: string };

function parseItem(node: XmlNode, where: string, objectWhere: string, source: string): ParsedResource {
  const rawId = attribute(node, 'ID');
  if (rawId === undefined || rawId === '') throw invalid(source, `${where}: missing ID attribute`);
  const id = parseId(rawId);
  if (id === undefined) throw invalid(source, `${where}: ID "${rawId}" is not an integer in 0..${MAX_ID}`);
  const here = `${objectWhere} resource ${id}`;

  const ddfName = text(node, 'Name', here, source);
  if (ddfName === undefined || ddfName === '') throw invalid(source, `${here}: missing <Name>`);

  const rawOps = text(node, 'Operations', here, source);
  if (rawOps === undefined) throw invalid(source, `${here}: missing <Operations>`);
  const operations = OPERATIONS.find((op) => op === rawOps.toUpperCase());
  if (operations === undefined) throw invalid(source, `${here}: <Operations> "${rawOps}" is not one of R, W, RW, E or empty`);

  const rawType = text(node, 'Type', here, source);
  if (rawType === undefined) throw invalid(source, `${here}: missing <Type>`);
  const type = TYPES[rawType.toLowerCase().replace(/\s+/g, '')];
  if (type === undefined) throw invalid(source, `${here}: <Type> "${rawType}" is not one of ${TYPE_LIST}`);
  // Only an executable resource may have no data type (OMA TS Core, Appendix C "Data Types").
  if (type === 'none' && operations !== 'E') {
    throw invalid(source, `${here}: <Type> is empty but <Operations> is "${operations}"; only an executable (E) resource may have no type`);
  }

  const multiple = multiplicity(text(node, 'MultipleInstances', here, source), `${here}: <MultipleInstances>`, source);
  const mandatory = mandatoriness(text(node, 'Mandatory', here, source), `${here}: <Mandatory>`, source);
  const units = text(node, 'Units', here, source);
  const description = text(node, 'Description', here, source);
  const range = NUMERIC_TYPES.has(type) ? parseRange(text(node, 'RangeEnumeration', here, source)) : undefined;

  return {
    id,
    ddfName,
    type,
    operations,
    multiple,
    mandatory,
    ...(units ? { units } : {}),
    ...(range ? { range } : {}),
    ...(description ? { description } : {}),
  };
}

/** `0..100`, `-90..90`, `0-100` (IPSO style) or `1.5..2.5`; anything else (enumerations, prose) gives no range. */
function parseRange(raw: string | undefined): { min: number; max: number } | undefined {
  if (!raw) return undefined;
  const m = /^(-?\d+(?:\.\d+)?)\s*(?:\.\.|-)\s*(-?\d+(?:\.\d+)?)$/.exec(raw);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min <= max ? { min, max } : undefined;
}

function multiplicity(raw: string | undefined, where: string, source: string): boolean {
  const v = raw?.toLowerCase();
  if (v === 'multiple') return true;
  if (v === 'single') return false;
  throw invalid(source, raw === undefined ? `${where} is missing` : `${where} "${raw}" is not "Single" or "Multiple"`);
}

/** Absent means Optional, as in most tools; a present but unknown value is an error. */
function mandatoriness(raw: string | undefined, where: string, source: string): boolean {
  const v = raw?.toLowerCase();
  if (v === 'mandatory') return true;
  if (v === 'optional' || v === undefined || v === '') return false;
  throw invalid(source, `${where} "${raw}" is not "Mandatory" or "Optional"`);
}

function parseId(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_ID ? id : undefined;
}

/** Text content of child `tag`: `undefined` when absent, `''` when empty. Rejects repeated or structured elements. */
function text(node: XmlNode, tag: string, where: string, source: string): string | undefined {
  const v = node[tag];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw invalid(source, `${where}: <${tag}> appears more than once`);
  if (isNode(v) && Object.keys(v).every((k) => k === '#text' || k.startsWith('@_'))) {
    return typeof v['#text'] === 'string' ? v['#text'] : '';
  }
  throw invalid(source, `${where}: <${tag}> must contain text only`);
}

function attribute(node: XmlNode, name: string): string | undefined {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v.trim() : undefined;
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeRoot(doc: XmlNode): string {
  const tags = Object.keys(doc).filter((k) => !k.startsWith('?') && !k.startsWith('#'));
  return tags.length === 0 ? 'no element' : `<${tags[0]}>`;
}
