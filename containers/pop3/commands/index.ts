import { AUTH, PASS, STLS, USER } from './authorization';
import { CAPA, QUIT } from './common';
import type { CommandHandler } from './context';
import { DELE, LIST, NOOP, RETR, RSET, STAT, TOP, UIDL } from './transaction';

/** Every command this server knows; anything else is answered "-ERR Unknown command". */
export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  USER,
  PASS,
  AUTH,
  STLS,
  CAPA,
  QUIT,
  STAT,
  LIST,
  UIDL,
  RETR,
  TOP,
  DELE,
  RSET,
  NOOP,
};

export type { CommandHandler, Pop3Context } from './context';
