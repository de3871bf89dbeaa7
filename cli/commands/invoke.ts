import type { Command } from 'commander';

// Placeholder while the command is written.
export function registerInvoke(_program: Command): void {}
