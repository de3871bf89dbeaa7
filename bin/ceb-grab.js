#!/usr/bin/env node
// npm's bin entry: run the TypeScript CLI through tsx without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./ceb-grab.ts');
