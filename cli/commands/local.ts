import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerLocal(_program: Command): void {}
