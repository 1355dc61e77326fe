import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

interface ScriptSummary {
  name: string;
  active: boolean;
  size: number;
  updatedAt: string;
}

/** A script's text from FILE, or standard input for "-". */
async function scriptFrom(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function phase(value: string): 'before' | 'after' {
  if (value !== 'before' && value !== 'after') throw new Error('the phase is "before" or "after"');
  return value;
}

/**
 * `nimbus sieve list|get|put|activate|delete <address> …` (a user's Sieve scripts) and
 * `nimbus sieve global get|put|delete <domain> before|after` (docs/sieve.md).
 */
export function registerSieveCommands(program: Command, admin: RunAdmin): void {
  const sieve = program
    .command('sieve')
    .description('Sieve mail filters: users\u2019 scripts and global scripts');
  sieve
    .command('list <address>')
    .description("the account's scripts (the active one marked)")
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) =>
      admin({ op: 'sieve.list', address }, !!o.json, (r) => {
        const scripts = r as ScriptSummary[];
        if (scripts.length === 0) return `no Sieve scripts for ${address}`;
        return scripts
          .map((s) => `${s.active ? '*' : ' '} ${s.name}\t${s.size} bytes\t${s.updatedAt}`)
          .join('\n');
      }),
    );
  sieve
    .command('get <address> <name>')
    .description('print a script')
    .option('--json', 'machine-readable output')
    .action((address: string, name: string, o: { json?: boolean }) =>
      admin({ op: 'sieve.get', address, name }, !!o.json, (r) => (r as { content: string }).content),
    );
  sieve
    .command('put <address> <name> <file>')
    .description('store a script from FILE ("-": standard input); it is checked first')
    .option('--activate', 'make it the active script')
    .option('--json', 'machine-readable output')
    .action(async (address: string, name: string, file: string, o: { activate?: boolean; json?: boolean }) =>
      admin(
        { op: 'sieve.put', address, name, content: await scriptFrom(file), activate: !!o.activate },
        !!o.json,
        (r) =>
          `script ${name} saved (${(r as ScriptSummary).size} bytes)${(r as ScriptSummary).active ? ', active' : ''}`,
      ),
    );
  sieve
    .command('activate <address> [name]')
    .description('make NAME the active script; without NAME, no script is active')
    .option('--json', 'machine-readable output')
    .action((address: string, name: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'sieve.activate', address, name: name ?? null }, !!o.json, () =>
        name ? `${name} is the active script of ${address}` : `no active script for ${address}`,
      ),
    );
  sieve
    .command('delete <address> <name>')
    .description('delete a script (not the active one)')
    .option('--json', 'machine-readable output')
    .action((address: string, name: string, o: { json?: boolean }) =>
      admin({ op: 'sieve.delete', address, name }, !!o.json, () => `script ${name} deleted`),
    );

  const global = sieve.command('global').description("a domain's scripts run before and after each user's");
  global
    .command('get <domain> <phase>')
    .description('print the before or after script')
    .option('--json', 'machine-readable output')
    .action((domain: string, p: string, o: { json?: boolean }) =>
      admin(
        { op: 'sieve.global.get', domain, phase: phase(p) },
        !!o.json,
        (r) => (r as { content: string }).content,
      ),
    );
  global
    .command('put <domain> <phase> <file>')
    .description('store the before or after script from FILE ("-": standard input)')
    .option('--json', 'machine-readable output')
    .action(async (domain: string, p: string, file: string, o: { json?: boolean }) =>
      admin(
        { op: 'sieve.global.put', domain, phase: phase(p), content: await scriptFrom(file) },
        !!o.json,
        () => `global ${p} script of ${domain} saved`,
      ),
    );
  global
    .command('delete <domain> <phase>')
    .description('remove the before or after script')
    .option('--json', 'machine-readable output')
    .action((domain: string, p: string, o: { json?: boolean }) =>
      admin(
        { op: 'sieve.global.delete', domain, phase: phase(p) },
        !!o.json,
        () => `global ${p} script of ${domain} removed`,
      ),
    );
}
