/** The README and the design notes stand alone: every link stays inside the repository and leads somewhere. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './helpers/environment.ts';

const DOCUMENTS = ['README.md', join('docs', 'design.md')];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');

async function anchorsOf(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchorOf(match[1]!.replace(/`/g, ''))));
}

for (const document of DOCUMENTS) {
  test(`${document}: links stay in the repository and resolve`, async () => {
    const file = join(REPO, document);
    const text = await readFile(file, 'utf8');
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    assert.ok(links.length > 0);
    for (const link of links) {
      assert.doesNotMatch(link, /^[a-z]+:/i, `${link}: a link out of the repository`);
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? file : resolve(dirname(file), path);
      assert.ok(!relative(REPO, target).startsWith('..'), `${link} points outside the repository`);
      assert.ok(existsSync(target), `${link}: ${relative(REPO, target)} does not exist`);
      if (anchor !== undefined) assert.ok((await anchorsOf(target)).has(anchor), `${link}: no heading #${anchor}`);
    }
  });
}

test('README.md leaves out figures that go stale, such as test counts', async () => {
  const text = await readFile(join(REPO, 'README.md'), 'utf8');
  assert.doesNotMatch(text, /\d+ tests\b/);
});
