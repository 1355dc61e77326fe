/** CAPABILITY, NOOP, LOGOUT, ID, ENABLE, COMPRESS, NAMESPACE. */
import { imapString, nstring } from '../format/strings';
import { ParseError } from '../parser/tokenizer';
import { bad, no, ok } from '../types';
import type { Handler } from './context';

export const capability: Handler = async (s, { t }) => {
  t.end();
  s.send(`* CAPABILITY ${s.capabilities().join(' ')}\r\n`);
  return ok('CAPABILITY completed');
};

export const noop: Handler = async (_s, { t }) => {
  t.end();
  return ok('NOOP completed');
};

export const logout: Handler = async (s, { tag, t }) => {
  t.end();
  s.send(`* BYE ${s.options.hostname} logging out\r\n`);
  s.finishCommand(tag, ok('LOGOUT completed'));
  s.close();
  return null;
};

export const id: Handler = async (s, { t }) => {
  t.sp();
  if (!t.accept('NIL')) {
    let count = 0;
    t.list(() => {
      t.nstring();
      t.sp();
      t.nstring();
      if (++count > 30) throw new ParseError('Too many ID fields');
    });
  }
  t.end();
  s.send(
    '* ID (',
    imapString('name'),
    ' ',
    imapString('Nimbus Mail'),
    ' ',
    imapString('vendor'),
    ' ',
    imapString('Nimbus'),
    ' ',
    imapString('support-url'),
    ' ',
    nstring(null),
    ')\r\n',
  );
  return ok('ID completed');
};

const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4REV2', 'UIDONLY']);

export const enable: Handler = async (s, { t }) => {
  const wanted: string[] = [];
  do {
    t.sp();
    wanted.push(t.atom().toUpperCase());
  } while (!t.atEnd);
  const enabled: string[] = [];
  for (const cap of wanted) {
    if (!ENABLEABLE.has(cap) || s.enabled.has(cap)) continue;
    // CONDSTORE first: ENABLE CONDSTORE/QRESYNC is a CONDSTORE-enabling command (RFC 7162 §3.1).
    if (cap === 'CONDSTORE' || cap === 'QRESYNC') s.enableCondstore();
    s.enabled.add(cap);
    enabled.push(cap === 'IMAP4REV2' ? 'IMAP4rev2' : cap);
  }
  s.send(`* ENABLED${enabled.map((c) => ' ' + c).join('')}\r\n`);
  return ok('ENABLE completed');
};

export const compress: Handler = async (s, { tag, t }) => {
  t.sp();
  const mechanism = t.atom().toUpperCase();
  t.end();
  if (s.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
  if (mechanism !== 'DEFLATE') return bad(`Unknown compression mechanism ${mechanism}`);
  s.startCompression(tag);
  return null;
};

export const namespace: Handler = async (s, { t }) => {
  t.end();
  // Personal "" and the shared namespace of other users' mailboxes (commands/access.ts).
  s.send('* NAMESPACE (("" "/")) (("Other Users/" "/")) NIL\r\n');
  return ok('NAMESPACE completed');
};
