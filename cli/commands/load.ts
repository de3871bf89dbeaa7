import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerLoad(_program: Command): void {}
