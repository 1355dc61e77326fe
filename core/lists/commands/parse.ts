/**
 * The commands of a message to LIST-request@: the Subject, then the first lines of the plain text
 * body, one command a line (Mailman's rules: stop at "end", a signature "-- ", or too many lines).
 * Faces the network: bounded, never throws.
 */
import type { ListCommand } from './context';

export const COMMAND_NAMES = ['subscribe', 'join', 'unsubscribe', 'leave', 'help', 'who', 'confirm'] as const;
export const MAX_COMMANDS = 10;
const MAX_LINES = 50;
const MAX_LINE = 500;

/** One line as a command, or null when it is not one. */
export function parseCommandLine(line: string): ListCommand | null {
  const words = line
    .slice(0, MAX_LINE)
    .replace(/^\s*(re|fwd?|aw)\s*:\s*/i, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0 || words.length > 4) return null;
  const name = words[0].toLowerCase();
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) return null;
  return {
    name: name === 'join' ? 'subscribe' : name === 'leave' ? 'unsubscribe' : name,
    args: words.slice(1),
  };
}

/** Commands from the subject and the text lines, at most MAX_COMMANDS, duplicates dropped. */
export function parseCommands(subject: string | null, text: string): ListCommand[] {
  const out: ListCommand[] = [];
  const seen = new Set<string>();
  const push = (command: ListCommand | null) => {
    if (!command || out.length >= MAX_COMMANDS) return;
    const key = `${command.name} ${command.args.join(' ')}`.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(command);
  };
  if (subject) push(parseCommandLine(subject));
  const lines = text.split(/\r?\n/, MAX_LINES);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '-- ' || raw === '-- ' || /^end$/i.test(line)) break;
    if (line.startsWith('>')) continue;
    push(parseCommandLine(line));
  }
  return out;
}
