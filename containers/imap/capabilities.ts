import type { SessionState } from './types';

export interface CapabilityContext {
  state: SessionState;
  secure: boolean;
  allowInsecureAuth: boolean;
  /** COMPRESS=DEFLATE is already on (not offered again). */
  compressed: boolean;
  /** APPENDLIMIT: the largest message APPEND accepts. */
  maxLiteralSize: number;
}

/** The CAPABILITY list: before login only what is needed to log in, after it the extensions. */
export function imapCapabilities(context: CapabilityContext): string[] {
  const caps = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE'];
  const insecure = !context.secure && !context.allowInsecureAuth;
  if (context.state === 'not-authenticated') {
    if (!context.secure) caps.push('STARTTLS');
    if (insecure) caps.push('LOGINDISABLED');
    else caps.push('AUTH=PLAIN');
    return caps;
  }
  caps.push(
    'NAMESPACE',
    'UNSELECT',
    'CHILDREN',
    'UIDPLUS',
    'MOVE',
    'CONDSTORE',
    'QRESYNC',
    'SPECIAL-USE',
    'CREATE-SPECIAL-USE',
    'LIST-EXTENDED',
    'LIST-STATUS',
    'ESEARCH',
    'SEARCHRES',
    'SORT',
    'SORT=DISPLAY',
    'ESORT',
    'CONTEXT=SEARCH',
    'CONTEXT=SORT',
    'PARTIAL',
    'THREAD=ORDEREDSUBJECT',
    'THREAD=REFERENCES',
    'MULTIAPPEND',
    'CATENATE',
    'URL-PARTIAL',
    'URLAUTH',
    'REPLACE',
    'BINARY',
    'QUOTA',
    'QUOTA=RES-STORAGE',
    'UTF8=ACCEPT',
    'WITHIN',
    'STATUS=SIZE',
    'OBJECTID',
    'SAVEDATE',
    'PREVIEW',
    'ACL',
    'RIGHTS=texk',
    'LIST-MYRIGHTS',
    'LIST-METADATA',
    'METADATA',
    'METADATA-SERVER',
    'NOTIFY',
    'UIDONLY',
    `APPENDLIMIT=${context.maxLiteralSize}`,
  );
  if (!context.compressed) caps.push('COMPRESS=DEFLATE');
  return caps;
}
