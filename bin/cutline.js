#!/usr/bin/env node
// The `cutline` command. The CLI is TypeScript; tsx compiles it on the fly so `npx cutline`
// works straight from a clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../electron/cli/main.ts');
