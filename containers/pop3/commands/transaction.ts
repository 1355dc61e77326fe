import { parseLineCount, parseMessageNumber, type Pop3Command } from '../command-parser';
import type { Maildrop, MaildropEntry } from '../maildrop';
import { multiline, ok, topOf } from '../responses';
import type { CommandHandler, Pop3Context } from './context';

const TRANSACTION = ['transaction'] as const;

/** The entry named by argument `index`, or null after answering -ERR. */
function entryArg(ctx: Pop3Context, command: Pop3Command, index = 0): MaildropEntry | null {
  const number = parseMessageNumber(command.args[index]);
  if (number === null) {
    ctx.error('Invalid message number');
    return null;
  }
  const entry = ctx.maildrop!.get(number);
  if (!entry) ctx.error('No such message');
  return entry;
}

function summary(maildrop: Maildrop): string {
  const { count, size } = maildrop.stat();
  return `${count} messages (${size} octets)`;
}

export const STAT: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length > 0) return ctx.error('STAT takes no arguments');
    const { count, size } = ctx.maildrop!.stat();
    await ctx.send(ok(`${count} ${size}`));
  },
};

/** LIST and UIDL share their shape: one message with an argument, every live message without. */
function listing(name: string, column: (entry: MaildropEntry) => string | number): CommandHandler {
  return {
    states: TRANSACTION,
    async run(ctx, command) {
      if (command.args.length > 1) return ctx.error(`Syntax: ${name} [msg]`);
      if (command.args.length === 1) {
        const entry = entryArg(ctx, command);
        if (entry) await ctx.send(ok(`${entry.number} ${column(entry)}`));
        return;
      }
      const lines = ctx.maildrop!.live().map((entry) => `${entry.number} ${column(entry)}`);
      await ctx.send(
        multiline(name === 'LIST' ? summary(ctx.maildrop!) : 'Unique-ID listing follows', lines),
      );
    },
  };
}

// Sizes are the stored octet counts (CRLF lines, before byte-stuffing), as RFC 1939 §7 asks.
export const LIST = listing('LIST', (entry) => entry.message.size);
export const UIDL = listing('UIDL', (entry) => entry.uid);

export const RETR: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length !== 1) return ctx.error('Syntax: RETR msg');
    const entry = entryArg(ctx, command);
    if (!entry) return;
    const data = await ctx.deps.store.readMessage(entry.message);
    await ctx.send(multiline(`${entry.message.size} octets`, data));
  },
};

export const TOP: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length !== 2) return ctx.error('Syntax: TOP msg n');
    const lines = parseLineCount(command.args[1]);
    if (lines === null) return ctx.error('Invalid line count');
    const entry = entryArg(ctx, command);
    if (!entry) return;
    const data = await ctx.deps.store.readMessage(entry.message);
    await ctx.send(multiline('Top of message follows', topOf(data, lines)));
  },
};

export const DELE: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length !== 1) return ctx.error('Syntax: DELE msg');
    const entry = entryArg(ctx, command);
    if (!entry) return;
    ctx.maildrop!.markDeleted(entry.number);
    await ctx.send(ok(`Message ${entry.number} deleted`));
  },
};

export const RSET: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length > 0) return ctx.error('RSET takes no arguments');
    ctx.maildrop!.reset();
    await ctx.send(ok(`Maildrop has ${summary(ctx.maildrop!)}`));
  },
};

export const NOOP: CommandHandler = {
  states: TRANSACTION,
  async run(ctx, command) {
    if (command.args.length > 0) return ctx.error('NOOP takes no arguments');
    await ctx.send(ok());
  },
};
