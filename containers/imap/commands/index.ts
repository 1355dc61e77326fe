/**
 * The command table and dispatcher: tag and name parsing, state checks, BAD for syntax
 * errors, and the end-of-command mailbox sync (EXPUNGE withheld after FETCH/STORE/SEARCH).
 */
import { ParseError, Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { bad, type CommandResult } from '../types';
import { UidRequiredError, uidRequired } from '../uidonly';
import { withHighestModseq } from '../mailbox-sync';
import { ANY, AUTHED, NOT_AUTHED, SELECTED, type CommandSpec } from './context';
import { capability, enable, id, logout, noop, compress, namespace } from './any-state';
import { authenticate, login, starttls } from './auth';
import { create, del, rename, subscribe, unsubscribe } from './mailbox-admin';
import { list, lsub } from './list';
import { status } from './status';
import { select } from './select';
import { append } from './append';
import { idle } from './idle';
import { check, close, expunge, unselect } from './expunge';
import { fetch } from './fetch';
import { store } from './store';
import { copy, move } from './copy-move';
import { search, sort, thread } from './search';
import { cancelupdate } from './context-updates';
import { getquota, getquotaroot, setquota } from './quota';
import { deleteacl, getacl, listrights, myrights, setacl } from './acl';
import { getmetadata, setmetadata } from './metadata';
import { notify } from './notify';
import { replace } from './replace';
import { genurlauth, resetkey, urlfetch } from './urlauth';

const COMMANDS: Record<string, CommandSpec> = {
  CAPABILITY: { handler: capability, states: ANY },
  NOOP: { handler: noop, states: ANY },
  LOGOUT: { handler: logout, states: ANY },
  ID: { handler: id, states: ANY },
  STARTTLS: { handler: starttls, states: NOT_AUTHED },
  AUTHENTICATE: { handler: authenticate, states: NOT_AUTHED },
  LOGIN: { handler: login, states: NOT_AUTHED },
  ENABLE: { handler: enable, states: AUTHED },
  COMPRESS: { handler: compress, states: AUTHED },
  NAMESPACE: { handler: namespace, states: AUTHED },
  SELECT: { handler: select, states: AUTHED },
  EXAMINE: { handler: select, states: AUTHED },
  CREATE: { handler: create, states: AUTHED },
  DELETE: { handler: del, states: AUTHED },
  RENAME: { handler: rename, states: AUTHED },
  SUBSCRIBE: { handler: subscribe, states: AUTHED },
  UNSUBSCRIBE: { handler: unsubscribe, states: AUTHED },
  LIST: { handler: list, states: AUTHED },
  LSUB: { handler: lsub, states: AUTHED },
  STATUS: { handler: status, states: AUTHED },
  APPEND: { handler: append, states: AUTHED },
  GENURLAUTH: { handler: genurlauth, states: AUTHED },
  RESETKEY: { handler: resetkey, states: AUTHED },
  URLFETCH: { handler: urlfetch, states: AUTHED },
  REPLACE: { handler: replace, states: SELECTED, uid: true },
  IDLE: { handler: idle, states: AUTHED },
  SETACL: { handler: setacl, states: AUTHED },
  DELETEACL: { handler: deleteacl, states: AUTHED },
  GETACL: { handler: getacl, states: AUTHED },
  LISTRIGHTS: { handler: listrights, states: AUTHED },
  MYRIGHTS: { handler: myrights, states: AUTHED },
  GETQUOTA: { handler: getquota, states: AUTHED },
  GETQUOTAROOT: { handler: getquotaroot, states: AUTHED },
  SETQUOTA: { handler: setquota, states: AUTHED },
  GETMETADATA: { handler: getmetadata, states: AUTHED },
  SETMETADATA: { handler: setmetadata, states: AUTHED },
  NOTIFY: { handler: notify, states: AUTHED },
  CHECK: { handler: check, states: SELECTED },
  CLOSE: { handler: close, states: SELECTED },
  UNSELECT: { handler: unselect, states: SELECTED },
  EXPUNGE: { handler: expunge, states: SELECTED, uid: true },
  SEARCH: { handler: search, states: SELECTED, uid: true, noExpunge: true },
  SORT: { handler: sort, states: SELECTED, uid: true, noExpunge: true },
  THREAD: { handler: thread, states: SELECTED, uid: true, noExpunge: true },
  CANCELUPDATE: { handler: cancelupdate, states: SELECTED },
  FETCH: { handler: fetch, states: SELECTED, uid: true, noExpunge: true },
  STORE: { handler: store, states: SELECTED, uid: true, noExpunge: true },
  COPY: { handler: copy, states: SELECTED, uid: true },
  MOVE: { handler: move, states: SELECTED, uid: true },
};

/** Clients poll with these: they always read the mailbox's state (others skip an idle read). */
const POLLING = new Set(['NOOP', 'CHECK', 'IDLE', 'SELECT', 'EXAMINE', 'STATUS']);

const TAG = /^[\x21\x23-\x27\x2c-\x5b\x5d-\x7a\x7c\x7e]+$/; // ASTRING-CHAR minus "+"; no "(", ")", "{", "%", "*", '"', "\"

export async function dispatch(
  session: ImapSession,
  data: Buffer,
): Promise<{ tag: string; result: CommandResult } | null> {
  const t = new Tokenizer(data, { utf8: session.utf8 });
  const space = data.indexOf(0x20);
  const tag = data.toString('latin1', 0, space < 0 ? data.length : space);
  if (!tag || !TAG.test(tag)) {
    session.send(`* BAD Invalid tag\r\n`);
    session.countError();
    return null;
  }
  if (space < 0) return { tag, result: bad('Missing command') };
  t.pos = space + 1;
  let name: string;
  let uid = false;
  try {
    name = t.atom().toUpperCase();
    if (name === 'UID') {
      t.sp();
      uid = true;
      name = t.atom().toUpperCase();
    }
  } catch {
    return { tag, result: bad('Invalid command name') };
  }
  const spec = COMMANDS[name];
  if (!spec || (uid && !spec.uid)) return { tag, result: bad(`Unknown command ${uid ? 'UID ' : ''}${name}`) };
  if (!spec.states.includes(session.state)) {
    const why =
      session.state === 'not-authenticated'
        ? 'Log in first'
        : spec.states.includes('selected')
          ? 'No mailbox selected'
          : 'Already authenticated';
    return { tag, result: bad(`${name}: ${why}`) };
  }
  const refused = uidRequired(session.uidonly, name, spec.uid === true, uid);
  if (refused) return { tag, result: refused };
  let result: CommandResult | null;
  const expungedBefore = session.expungesReported;
  try {
    result = await spec.handler(session, { tag, name, uid, t });
  } catch (error) {
    if (error instanceof UidRequiredError) {
      result = bad(error.message, 'UIDREQUIRED');
    } else if (error instanceof ParseError) {
      result = bad(`Error in IMAP command ${name}: ${error.message}`);
    } else {
      session.log.error({ err: error, command: name }, 'IMAP command failed');
      result = { status: 'NO', code: 'SERVERBUG', text: `${name} failed: internal error` };
    }
  }
  if (!result) return null;
  if (session.selected && session.state === 'selected') {
    try {
      await session.sync(!(spec.noExpunge && !uid), POLLING.has(name));
    } catch (error) {
      session.log.warn({ err: error }, 'mailbox sync failed');
    }
    result = withHighestModseq(session, result, expungedBefore);
  }
  return { tag, result };
}
