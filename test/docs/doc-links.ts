/**
 * Checks that the repository's documentation stands on its own:
 * - every relative Markdown link (inline, image or reference definition) points to a file or directory that exists,
 *   and its `#anchor`, when the target is Markdown, matches a heading (GitHub-style slug) or an explicit HTML anchor;
 * - every `docs/<name>.md[#anchor]` mentioned in a source file (code comments) resolves the same way;
 * - every Lua script named in a document or a comment (`<name>-<keys>.lua` anywhere; in Markdown also a backticked
 *   `<name>-<keys>` whose name a script has) exists in one of the repository's `lua/` folders, so the key and script
 *   tables follow when a script is renamed or its key count changes;
 * - no file refers to the private spec sheet the project started from (by its section signs or its path, see
 *   `FORBIDDEN`), which is not part of the repository.
 * Pure functions over an in-memory file map, so the unit tests run it on small fixtures.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Repository-relative path (forward slashes) → file text. */
export type DocFiles = ReadonlyMap<string, string>;

export interface LinkProblem {
  file: string;
  line: number;
  target: string;
  reason: string;
}

const FORBIDDEN: readonly RegExp[] = [/SPEC\s*§/, /shared\/SPEC/, /\bSPEC [AB]\d/];
const TEXT_EXTENSIONS = /\.(md|ts|mjs|js|cjs|json|lua|ya?ml|sh|txt|html|css|conf|toml|xml)$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** GitHub's anchor for a heading text: lower case, punctuation dropped (letters, digits, `-`, `_` kept), spaces → `-`. */
export function githubSlug(heading: string): string {
  return renderedText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text GitHub renders for inline Markdown: links and images become their text, code and emphasis marks go. */
function renderedText(md: string): string {
  return md
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*+/g, '')
    .replace(/(^|[^\p{L}\p{N}])_+([^_]+?)_+(?=$|[^\p{L}\p{N}])/gu, '$1$2');
}

/** Lines of `md` that are not inside fenced code blocks, with their 1-based numbers. */
function proseLines(md: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let fence: string | undefined;
  md.split('\n').forEach((text, i) => {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(text);
    if (m) {
      if (fence === undefined) fence = m[1][0];
      else if (m[1][0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ text, line: i + 1 });
  });
  return out;
}

/** Every anchor a Markdown document defines: heading slugs (duplicates numbered `-1`, `-2` …) and HTML `id`/`name`. */
export function markdownAnchors(md: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (slug: string) => {
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  };
  const lines = proseLines(md);
  lines.forEach(({ text }, i) => {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+\s*)?$/.exec(text);
    if (atx) add(githubSlug(atx[1]));
    else if (i + 1 < lines.length && /^\s{0,3}(=+|-+)\s*$/.test(lines[i + 1].text) && text.trim() !== '' && lines[i + 1].line === lines[i].line + 1 && !/^\s*[-*+|]/.test(text)) {
      add(githubSlug(text));
    }
    for (const m of text.matchAll(/<a\s[^>]*?(?:name|id)\s*=\s*"([^"]+)"/gi)) anchors.add(m[1].toLowerCase());
  });
  return anchors;
}

/** Link targets in Markdown prose (inline links, images, reference definitions); code spans and fences are skipped. */
export function markdownLinks(md: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  for (const { text, line } of proseLines(md)) {
    const prose = text.replace(/(`+)[^`]*?\1/g, '');
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(prose);
    if (def) {
      out.push({ target: def[1], line });
      continue;
    }
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line });
  }
  return out;
}

/** `docs/<name>.md[#anchor]` mentions in a source file. */
export function sourceDocReferences(text: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  text.split('\n').forEach((t, i) => {
    for (const m of t.matchAll(/(?<![\w./-])(docs\/[\w./-]*?\.md)(#[\w-]+)?/g)) out.push({ target: m[1] + (m[2] ?? ''), line: i + 1 });
  });
  return out;
}

/**
 * Lua script names (`<name>-<number of keys>`) a text mentions: any `<name>-<n>.lua`; in Markdown also a backticked
 * `<name>-<n>` whose `<name>` is the name of some script (`ensure-3` when `ensure-1.lua` exists), so that `utf-8` and
 * the like are not taken for scripts.
 */
export function scriptReferences(text: string, markdown: boolean, scriptNames: ReadonlySet<string> = new Set()): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  text.split('\n').forEach((t, i) => {
    for (const m of t.matchAll(/(?<![\w.-])([a-z][a-z0-9]*(?:-[a-z0-9]+)*-\d+)\.lua\b/g)) out.push({ target: m[1], line: i + 1 });
    if (!markdown) return;
    for (const m of t.matchAll(/`([a-z][a-z0-9]*(?:-[a-z0-9]+)*)-(\d+)`/g)) if (scriptNames.has(m[1])) out.push({ target: `${m[1]}-${m[2]}`, line: i + 1 });
  });
  return out;
}

/** Why `target`, linked from `from`, does not resolve among `files` and `dirs`; undefined when it does. */
function unresolved(target: string, from: string, files: DocFiles, dirs: ReadonlySet<string>, base: string): string | undefined {
  if (target === '' || SCHEME.test(target) || target.startsWith('//')) return undefined;
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash >= 0 ? target.slice(0, hash) : target).replace(/\?.*$/, '');
  const anchor = hash >= 0 ? target.slice(hash + 1) : undefined;
  if (pathPart.startsWith('/')) return 'absolute paths do not resolve on GitHub or in a clone; use a relative link';
  const resolved = pathPart === '' ? from : posix.normalize(posix.join(base, pathPart)).replace(/\/$/, '');
  if (resolved.startsWith('..')) return 'points outside the repository';
  const isFile = files.has(resolved);
  if (!isFile && !dirs.has(resolved) && resolved !== '.') return `no file or directory "${resolved}" in the repository`;
  if (anchor === undefined || anchor === '' || !isFile || !resolved.endsWith('.md')) return undefined;
  if (!markdownAnchors(files.get(resolved)!).has(decodeURIComponent(anchor).toLowerCase())) return `"${resolved}" has no heading or anchor "#${anchor}"`;
  return undefined;
}

/** Every directory that holds a file of `files`. */
function directoriesOf(files: DocFiles): Set<string> {
  const dirs = new Set<string>();
  for (const f of files.keys()) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/** All problems in `files`: unresolved Markdown links, unresolved `docs/…md` mentions in sources, forbidden references. */
export function checkDocs(files: DocFiles): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const dirs = directoriesOf(files);
  const scripts = new Set([...files.keys()].filter((f) => /(^|\/)lua\/[^/]+\.lua$/.test(f)).map((f) => posix.basename(f, '.lua')));
  const scriptNames = new Set([...scripts].map((s) => s.replace(/-\d+$/, '')));
  for (const [file, text] of files) {
    for (const { target, line } of scriptReferences(text, file.endsWith('.md'), scriptNames)) {
      if (!scripts.has(target)) problems.push({ file, line, target, reason: `no Lua script ${target}.lua in any lua/ folder of the repository` });
    }
    if (file.endsWith('.md')) {
      const base = posix.dirname(file);
      for (const { target, line } of markdownLinks(text)) {
        const reason = unresolved(target, file, files, dirs, base);
        if (reason) problems.push({ file, line, target, reason });
      }
    } else {
      for (const { target, line } of sourceDocReferences(text)) {
        const reason = unresolved(target, file, files, dirs, '.');
        if (reason) problems.push({ file, line, target, reason });
      }
    }
    text.split('\n').forEach((t, i) => {
      for (const re of FORBIDDEN) {
        const m = re.exec(t);
        if (m) problems.push({ file, line: i + 1, target: m[0], reason: 'refers to a document outside the repository: cite the public source or a repository document instead' });
      }
    });
  }
  return problems;
}

/** The repository's text files: `git ls-files` (tracked and new, ignored excluded), or a walk when git is unavailable. */
export function loadRepositoryFiles(root: string): Map<string, string> {
  let paths: string[];
  try {
    paths = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter(Boolean);
  } catch {
    paths = walk(root, '');
  }
  const files = new Map<string, string>();
  for (const p of paths) {
    if (!TEXT_EXTENSIONS.test(p) && !/(^|\/)(LICENSE|\.gitignore)$/.test(p)) {
      files.set(p, '');
      continue;
    }
    try {
      files.set(p, readFileSync(join(root, p), 'utf8'));
    } catch {
      // listed by git but deleted in the working tree: not part of what a clone would hold
    }
  }
  return files;
}

/** What a walk skips because a clone would not hold it (see .gitignore). */
const UNTRACKED = new Set(['node_modules', '.git', '.lwtwin', 'coverage', 'bench/results']);

function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (UNTRACKED.has(rel)) continue;
    if (statSync(join(root, rel)).isDirectory()) out.push(...walk(root, rel));
    else out.push(rel);
  }
  return out;
}
