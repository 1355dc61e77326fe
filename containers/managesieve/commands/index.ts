import { AUTHENTICATE } from './authenticate';
import { CAPABILITY } from './capability';
import { CHECKSCRIPT } from './checkscript';
import type { CommandHandler } from './context';
import { DELETESCRIPT } from './deletescript';
import { GETSCRIPT } from './getscript';
import { HAVESPACE } from './havespace';
import { LISTSCRIPTS } from './listscripts';
import { LOGOUT } from './logout';
import { NOOP } from './noop';
import { PUTSCRIPT } from './putscript';
import { RENAMESCRIPT } from './renamescript';
import { SETACTIVE } from './setactive';
import { STARTTLS } from './starttls';
import { UNAUTHENTICATE } from './unauthenticate';

/** Every command this server knows (RFC 5804 §2); anything else is answered NO. */
export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  CAPABILITY,
  AUTHENTICATE,
  STARTTLS,
  LOGOUT,
  NOOP,
  UNAUTHENTICATE,
  HAVESPACE,
  PUTSCRIPT,
  LISTSCRIPTS,
  SETACTIVE,
  GETSCRIPT,
  DELETESCRIPT,
  RENAMESCRIPT,
  CHECKSCRIPT,
};

export type { CommandHandler, SieveContext } from './context';
