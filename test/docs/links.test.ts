// The docs as a newcomer meets them: a short README, every page reachable from it, no link that
// leads nowhere, and reasons instead of ticket numbers nobody outside the team can look up.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';

const read = (rel: string): string => readFileSync(join(PROJECT_ROOT, rel), 'utf8');

function filesUnder(rel: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(PROJECT_ROOT, dir))) {
      const p = join(dir, name);
      if (statSync(join(PROJECT_ROOT, p)).isDirectory()) walk(p);
      else if (keep(name)) out.push(p);
    }
  };
  walk(rel);
  return out.sort();
}

const DOC_PAGES = ['README.md', 'CONTRIBUTING.md', 'bench/README.md', ...filesUnder('docs', (n) => n.endsWith('.md'))];

/** Relative Markdown links of a page (no URLs, no in-page anchors), as [target path, anchor]. */
function linksOf(page: string): Array<{ target: string; anchor?: string }> {
  const text = read(page).replace(/```[\s\S]*?```/g, '');
  const links: Array<{ target: string; anchor?: string }> = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1]!;
    if (/^[a-z]+:/.test(href) || href.startsWith('#')) continue;
    const [path, anchor] = href.split('#') as [string, string | undefined];
    links.push({ target: join(dirname(page), path), ...(anchor !== undefined && { anchor }) });
  }
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(page: string): Set<string> {
  const text = read(page).replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

describe('the docs', () => {
  it('README is at most 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('every relative link leads to a file that exists, and every anchor to a heading in it', () => {
    const broken: string[] = [];
    for (const page of DOC_PAGES) {
      for (const { target, anchor } of linksOf(page)) {
        if (!existsSync(join(PROJECT_ROOT, target))) broken.push(`${page}: ${target} does not exist`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) broken.push(`${page}: ${target} has no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every page under docs/ is reachable from the README', () => {
    const seen = new Set<string>();
    const visit = (page: string): void => {
      if (seen.has(page) || !page.endsWith('.md') || !existsSync(join(PROJECT_ROOT, page))) return;
      seen.add(page);
      for (const { target } of linksOf(page)) visit(relative('.', target));
    };
    visit('README.md');
    expect(filesUnder('docs', (n) => n.endsWith('.md')).filter((p) => !seen.has(p))).toEqual([]);
  });

  it('every page under docs/ says first whom it is for', () => {
    const without = filesUnder('docs', (n) => n.endsWith('.md')).filter((p) => !/^\*\*For\*\* /m.test(read(p).split('\n').slice(0, 6).join('\n')));
    expect(without).toEqual([]);
  });

  it('no ticket numbers: the reason, or the page that explains it', () => {
    const sources = [
      ...['src', 'workflows', 'activities', 'bench', 'docs'].flatMap((d) => filesUnder(d, (n) => /\.(ts|md|ya?ml|json)$/.test(n))),
      'README.md',
      'CONTRIBUTING.md',
    ];
    const cited = sources.flatMap((f) =>
      read(f)
        .split('\n')
        .flatMap((line, i) => (/\bissues? #?\d+/i.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(cited).toEqual([]);
  });
});
