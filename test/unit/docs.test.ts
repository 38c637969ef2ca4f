// The README stays short (the depth lives in docs/, one page per topic), and every relative link in the README
// and in docs/*.md leads to a file that exists and, with an anchor, to a heading of that file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const README_MAX_LINES = 500;

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The lines of a Markdown text outside fenced code blocks. */
function prose(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const mark = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]?.slice(0, 3);
    if (mark) {
      if (fence === undefined) fence = mark;
      else if (mark === fence) fence = undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** The anchors of a Markdown text's headings, numbered as GitHub numbers repeated ones (`x`, `x-1`, ...). */
function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = headingSlug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every link target of a Markdown text that is not a URL: `file`, `file#anchor` or `#anchor`. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    const code = line.replace(/`[^`]*`/g, '');
    for (const m of code.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

/** The links of `file` that lead nowhere, each as `file: target (why)`. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const broken: string[] = [];
  for (const target of relativeLinks(text)) {
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const to = path === '' ? file : resolve(dirname(file), path);
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(to)) broken.push(`${where} (no such file)`);
    else if (anchor !== undefined && !headingAnchors(readFileSync(to, 'utf8')).has(anchor))
      broken.push(`${where} (no such heading in ${relative(ROOT, to)})`);
  }
  return broken;
}

describe('the documentation', () => {
  it(`keeps the README at most ${README_MAX_LINES} lines, the depth in docs/`, () => {
    // Prepare
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

    // Act
    const lines = readme.replace(/\n$/, '').split('\n').length;

    // Assess
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('links the README to every page in docs/, and each page back to the README', () => {
    // Prepare
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pages = markdownFiles().slice(1);

    // Act
    const linkedFromReadme = new Set(relativeLinks(readme).map((target) => target.split('#')[0]));
    const unlinked = pages.map((page) => relative(ROOT, page)).filter((page) => !linkedFromReadme.has(page));
    const noWayBack = pages.filter(
      (page) => !relativeLinks(readFileSync(page, 'utf8')).includes('../README.md'),
    );

    // Assess
    expect(pages.length).toBeGreaterThan(5);
    expect(unlinked).toEqual([]);
    expect(noWayBack.map((page) => relative(ROOT, page))).toEqual([]);
  });

  it('resolves every relative link in README.md and docs/*.md to an existing file and heading', () => {
    // Act
    const files = markdownFiles();
    const broken = files.flatMap(brokenLinks);

    // Assess
    expect(files.flatMap((file) => relativeLinks(readFileSync(file, 'utf8'))).length).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  it('finds a link whose heading is missing, and numbers repeated headings as GitHub does', () => {
    // Prepare
    const text =
      '# Demo\n\n## `demo`\n\n```sh\n# not a heading\n```\n\nSee [x](#demo-1), [y](#nope) and `[z](#code)`.';

    // Act
    const anchors = headingAnchors(text);
    const links = relativeLinks(text);

    // Assess
    expect([...anchors]).toEqual(['demo', 'demo-1']);
    expect(links).toEqual(['#demo-1', '#nope']);
    expect(links.filter((link) => !anchors.has(link.slice(1)))).toEqual(['#nope']);
    expect(headingSlug('A private DNS conflict (a service served centrally)')).toBe(
      'a-private-dns-conflict-a-service-served-centrally',
    );
  });
});
