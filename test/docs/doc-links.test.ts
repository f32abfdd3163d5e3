import { describe, expect, it } from 'vitest';
import { checkDocs, githubSlug, markdownAnchors, markdownLinks, scriptReferences, sourceDocReferences } from './doc-links.ts';

// Built from parts so that this file does not itself contain the references the checker forbids.
const SPEC_SECTION = 'SP' + 'EC §A1';
const SHARED_SPEC = '/work/shared/' + 'SPEC.md';
const DOCS = 'do' + 'cs/';
const SHARED = 'shared/' + 'SPEC';
const ADD_SCRIPT = 'add-registration-1' + '.lua';
const STALE_SCRIPT = 'ensure-3' + '.lua';

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
const reasons = (entries: Record<string, string>) => checkDocs(files(entries)).map((p) => `${p.file}:${p.line} ${p.target}`);

describe('githubSlug', () => {
  it.each([
    ['The life of a Register', 'the-life-of-a-register'],
    ['Redis keys and Lua scripts', 'redis-keys-and-lua-scripts'],
    ['`lwtwin_coap_messages_total` (counter)', 'lwtwin_coap_messages_total-counter'],
    ['Device → twin: notifications', 'device--twin-notifications'],
    ['What **is** _known_ not to work?', 'what-is-known-not-to-work'],
    ['Links [in](x.md) headings', 'links-in-headings'],
    ['Café, 100% ready!', 'café-100-ready'],
  ])('slugs %j as %j', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });
});

describe('markdownAnchors', () => {
  it('numbers duplicate headings, ignores headings in code fences, reads setext headings and HTML anchors', () => {
    const md = ['# Title', '## Setup', 'text', '## Setup', '```', '## Not a heading', '```', 'Other', '-----', '<a name="Custom-Anchor"></a>'].join('\n');
    expect([...markdownAnchors(md)].sort()).toEqual(['custom-anchor', 'other', 'setup', 'setup-1', 'title']);
  });
});

describe('markdownLinks', () => {
  it('finds inline links, images and reference definitions, not links inside code', () => {
    const md = ['See [a](a.md "title") and ![img](img/x.png).', '`[no](code.md)`', '```', '[no](fence.md)', '```', '[ref]: ./b.md#part'].join('\n');
    expect(markdownLinks(md)).toEqual([
      { target: 'a.md', line: 1 },
      { target: 'img/x.png', line: 1 },
      { target: './b.md#part', line: 6 },
    ]);
  });
});

describe('sourceDocReferences', () => {
  it('finds docs/ mentions with their anchors', () => {
    expect(sourceDocReferences(`// x\n/** see ${DOCS}twin-model.md#property-names and (${DOCS}ops.md). */`)).toEqual([
      { target: `${DOCS}twin-model.md#property-names`, line: 2 },
      { target: `${DOCS}ops.md`, line: 2 },
    ]);
  });
});

describe('scriptReferences', () => {
  it('finds script files anywhere and backticked script names in Markdown only', () => {
    const text = `runs \`ensure-1\` then ${ADD_SCRIPT}; not \`utf-8\`, \`x-ms-max-item-count\` or sha-256`;
    const names = new Set(['ensure', 'add-registration']);
    expect(scriptReferences(text, true, names).map((r) => r.target)).toEqual(['add-registration-1', 'ensure-1']);
    expect(scriptReferences(text, false, names).map((r) => r.target)).toEqual(['add-registration-1']);
  });
});

describe('checkDocs', () => {
  const base = {
    'README.md': `# lwtwin\n## Getting started\nSee [the guide](${DOCS}guide.md#running-it) and [code](server/app.ts).`,
    [`${DOCS}guide.md`]: '# Guide\n## Running it\nBack to [the top](../README.md#getting-started), [here](#guide), [site](https://example.com/x.md#nope).',
    'server/app.ts': `// the twin model: ${DOCS}guide.md#running-it\n`,
    'server/lib/util.ts': '',
  };

  it('accepts links and anchors that resolve', () => {
    expect(reasons(base)).toEqual([]);
  });

  it('accepts links to directories', () => {
    expect(reasons({ ...base, [`${DOCS}more.md`]: '[server code](../server/lib/) and [docs](.)' })).toEqual([]);
  });

  it('reports a link to a missing file', () => {
    expect(reasons({ ...base, [`${DOCS}more.md`]: 'x\n[gone](missing.md)' })).toEqual([`${DOCS}more.md:2 missing.md`]);
  });

  it('reports an anchor that matches no heading, in another file and in the same file', () => {
    expect(reasons({ ...base, [`${DOCS}more.md`]: '[a](guide.md#run-it) [b](#nowhere)' })).toEqual([`${DOCS}more.md:1 guide.md#run-it`, `${DOCS}more.md:1 #nowhere`]);
  });

  it('reports links that leave the repository or are absolute', () => {
    expect(reasons({ ...base, [`${DOCS}more.md`]: '[a](../../outside.md) [b](/etc/passwd)' })).toEqual([`${DOCS}more.md:1 ../../outside.md`, `${DOCS}more.md:1 /etc/passwd`]);
  });

  it('reports a docs/ mention in a source file that does not resolve', () => {
    expect(reasons({ ...base, 'jobs/x.ts': `/** ${DOCS}guide.md#nope, ${DOCS}nothing.md */` })).toEqual([`jobs/x.ts:1 ${DOCS}guide.md#nope`, `jobs/x.ts:1 ${DOCS}nothing.md`]);
  });

  it('reports Lua scripts that no lua/ folder holds, and accepts those it does', () => {
    const withScript = { ...base, 'server/twin/lua/ensure-1.lua': '-- creates a twin' };
    const withDelete = { ...withScript, 'server/twin/lua/delete-2.lua': '-- deletes a twin' };
    expect(reasons({ ...withDelete, [`${DOCS}keys.md`]: '| `twin:{ep}` | `ensure-1`, `delete-4`, `utf-8` |', 'server/y.ts': `// see ${STALE_SCRIPT}` })).toEqual([
      `${DOCS}keys.md:1 delete-4`,
      'server/y.ts:1 ensure-3',
    ]);
  });

  it('reports references to the spec sheet outside the repository, in any file', () => {
    expect(reasons({ ...base, 'server/y.ts': `// registration (${SPEC_SECTION})`, [`${DOCS}z.md`]: `from ${SHARED_SPEC}` })).toEqual([
      `server/y.ts:1 ${SPEC_SECTION.replace('A1', '').trimEnd()}`,
      `${DOCS}z.md:1 ${SHARED}`,
    ]);
  });
});
