import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerCustomsSim(_program: Command): void {}
