/**
 * UIDONLY (RFC 9586): once enabled, commands that take message sequence numbers (FETCH, STORE,
 * COPY, MOVE, SEARCH, SORT, THREAD, REPLACE without UID, and sequence-set search keys) are
 * refused with BAD [UIDREQUIRED]; responses carry UIDs only (UIDFETCH, VANISHED).
 */
import { bad, type CommandResult } from './types';

/** Thrown where a sequence number turns up inside an otherwise UID command (a search key). */
export class UidRequiredError extends Error {
  constructor(message = 'Message sequence numbers are not allowed once UIDONLY is enabled') {
    super(message);
    this.name = 'UidRequiredError';
  }
}

/**
 * The tagged BAD for a command given without UID under UIDONLY; null when the command may run.
 * `takesUid`: the command has a UID form. Plain EXPUNGE names no messages, so it stays allowed.
 */
export function uidRequired(
  uidonly: boolean,
  name: string,
  takesUid: boolean,
  uid: boolean,
): CommandResult | null {
  if (!uidonly || !takesUid || uid || name === 'EXPUNGE') return null;
  return bad(`${name} needs the UID form once UIDONLY is enabled`, 'UIDREQUIRED');
}
