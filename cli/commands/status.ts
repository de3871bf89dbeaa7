import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerStatus(_program: Command): void {}
