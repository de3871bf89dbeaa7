#!/usr/bin/env node
// npm's bin entry: run the TypeScript CLI through tsx without a build step.
import { register } from 'tsx/esm/api';

// The SDK warns on every run that Node 20 support ends in 2027; the Lambda runtime is newer.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./ceb-grab.ts');
