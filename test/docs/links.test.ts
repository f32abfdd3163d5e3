import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDocs, loadRepositoryFiles } from './doc-links.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('repository documentation', () => {
  it('has no dangling relative link, anchor or docs/ reference, and no reference to documents outside the repository', () => {
    const files = loadRepositoryFiles(ROOT);
    expect(files.has('README.md')).toBe(true);
    const problems = checkDocs(files).map((p) => `${p.file}:${p.line}: ${p.target} — ${p.reason}`);
    expect(problems).toEqual([]);
  });
});
