import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerReplay(_program: Command): void {}
