import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApiDoc } from '../../scripts/gen-api-docs.ts';

describe('docs/API.md', () => {
  it('is generated from the command table (run `npm run docs:api` after changing it)', () => {
    expect(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'API.md'), 'utf8')).toBe(renderApiDoc());
  });
});
