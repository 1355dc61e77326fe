/**
 * ENVELOPE and BODY/BODYSTRUCTURE (RFC 9051 §7.5.2) from the stored parse of the message
 * (core/mime), never from the raw bytes.
 */
import type { Address, BodyPart, Envelope, Params } from '../../../core/mime';
import { imapString, nstring, type Chunk } from './strings';

type Out = Chunk[];

function addressList(list: Address[] | null, out: Out, utf8: boolean): void {
  if (!list || list.length === 0) {
    out.push('NIL');
    return;
  }
  out.push('(');
  for (const a of list) {
    out.push('(', nstring(a.name, utf8), ' ', nstring(a.adl, utf8), ' ', nstring(a.mailbox, utf8), ' ');
    out.push(nstring(a.host, utf8), ')');
  }
  out.push(')');
}

export function envelopeChunks(env: Envelope, out: Out, utf8: boolean): void {
  out.push('(', nstring(env.date, utf8), ' ', nstring(env.subject, utf8), ' ');
  addressList(env.from, out, utf8);
  out.push(' ');
  addressList(env.sender, out, utf8);
  out.push(' ');
  addressList(env.replyTo, out, utf8);
  out.push(' ');
  addressList(env.to, out, utf8);
  out.push(' ');
  addressList(env.cc, out, utf8);
  out.push(' ');
  addressList(env.bcc, out, utf8);
  out.push(' ', nstring(env.inReplyTo, utf8), ' ', nstring(env.messageId, utf8), ')');
}

function params(list: Params, out: Out, utf8: boolean): void {
  if (list.length === 0) {
    out.push('NIL');
    return;
  }
  out.push('(');
  list.forEach(([name, value], i) => {
    if (i > 0) out.push(' ');
    out.push(imapString(name, utf8), ' ', imapString(value, utf8));
  });
  out.push(')');
}

function extension(part: BodyPart, out: Out, utf8: boolean): void {
  out.push(' ');
  if (part.disposition) {
    out.push('(', imapString(part.disposition.type, utf8), ' ');
    params(part.disposition.params, out, utf8);
    out.push(')');
  } else {
    out.push('NIL');
  }
  out.push(' ');
  if (!part.language) out.push('NIL');
  else if (part.language.length === 1) out.push(imapString(part.language[0], utf8));
  else {
    out.push('(');
    part.language.forEach((l, i) => out.push(i > 0 ? ' ' : '', imapString(l, utf8)));
    out.push(')');
  }
  out.push(' ', nstring(part.location, utf8));
}

/** BODYSTRUCTURE when `extended`, else the non-extensible BODY form. */
export function bodyChunks(part: BodyPart, out: Out, extended: boolean, utf8: boolean): void {
  out.push('(');
  if (part.kind === 'multipart') {
    for (const child of part.parts) bodyChunks(child, out, extended, utf8);
    out.push(' ', imapString(part.subtype, utf8));
    if (extended) {
      out.push(' ');
      params(part.params, out, utf8);
      extension(part, out, utf8);
    }
    out.push(')');
    return;
  }
  out.push(imapString(part.type, utf8), ' ', imapString(part.subtype, utf8), ' ');
  params(part.params, out, utf8);
  out.push(' ', nstring(part.id, utf8), ' ', nstring(part.description, utf8), ' ');
  out.push(imapString(part.encoding, utf8), ' ', String(part.size));
  if (part.kind === 'message') {
    out.push(' ');
    envelopeChunks(part.message.envelope, out, utf8);
    out.push(' ');
    bodyChunks(part.message.body, out, extended, utf8);
    out.push(' ', String(part.lines));
  } else if (part.kind === 'text') {
    out.push(' ', String(part.lines));
  }
  if (extended) {
    out.push(' ', nstring(part.md5, utf8));
    extension(part, out, utf8);
  }
  out.push(')');
}
