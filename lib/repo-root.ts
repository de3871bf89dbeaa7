import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and package-lock.json live), without a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
