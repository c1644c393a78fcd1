/**
 * The desk's browser bundle keeps zod (and every schema) out: it imports from shared/ only
 * modules without runtime schema code, and types. Walks the renderer's real import graph from its
 * entry (value imports only; `import type` is erased) and fails on any module that imports zod —
 * as shared/layout.ts once did by taking a colour constant from shared/show.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'renderer', 'src', 'main.tsx');

/** Specifiers of the value imports and re-exports in a module's source. */
function valueImports(source: string): string[] {
  const specs: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    if (m[5]) specs.push(m[5]);
    else if (!m[2] && !/^\{\s*(type\s+[\w$]+\s*,?\s*)+\}$/.test(m[3])) specs.push(m[4]);
  }
  return specs;
}

function resolveModule(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p) && /\.tsx?$/.test(p));
}

describe('the renderer bundle', () => {
  it('reaches no module that imports zod', () => {
    const seen = new Set<string>();
    const withZod: string[] = [];
    const queue = [ENTRY];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of valueImports(readFileSync(file, 'utf8'))) {
        if (spec === 'zod' || spec.startsWith('zod/')) withZod.push(relative(ROOT, file));
        if (!spec.startsWith('.')) continue;
        const target = resolveModule(file, spec);
        if (target) queue.push(target);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].some((f) => f.includes(`${join('shared', 'layout.ts')}`))).toBe(true);
    expect(withZod).toEqual([]);
  });
});
