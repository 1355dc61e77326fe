import { AddressError, parseAddress } from '../../core/mail/address';
import { decodeXtext, parsePathCommand } from './command-parser';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope } from './types';
import type { SmtpSession } from './session';

const NOTIFY_VALUES = new Set(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);

/** MAIL FROM:<path> [SIZE=] [BODY=] [SMTPUTF8] [RET=] [ENVID=] [AUTH=] */
export async function handleMail(session: SmtpSession, argument: string): Promise<SmtpReply> {
  if (session.envelope) return reply(503, '5.5.1', 'Nested MAIL command');
  if (session.options.authRequired && !session.info.authenticatedAs) {
    return reply(530, '5.7.0', 'Authentication required');
  }
  const parsed = parsePathCommand(argument, 'FROM');
  if (!parsed.ok) return reply(501, '5.5.4', `Syntax error in MAIL: ${parsed.error}`);
  const { address, params } = parsed.value;
  const envelope: Envelope = {
    mailFrom: '',
    utf8: params.has('SMTPUTF8'),
    body: '7BIT',
    declaredSize: null,
    dsn: {},
    recipients: [],
  };
  if (params.get('SMTPUTF8') !== undefined && params.get('SMTPUTF8') !== true) {
    return reply(501, '5.5.4', 'SMTPUTF8 takes no value');
  }
  for (const [name, value] of params) {
    switch (name) {
      case 'SIZE': {
        if (value === true || !/^\d{1,15}$/.test(value)) return reply(501, '5.5.4', 'Invalid SIZE value');
        envelope.declaredSize = Number(value);
        if (envelope.declaredSize > session.options.limits.maxMessageSize) {
          return reply(552, '5.3.4', 'Message size exceeds fixed maximum message size');
        }
        break;
      }
      case 'BODY': {
        const body = typeof value === 'string' ? value.toUpperCase() : '';
        if (body !== '7BIT' && body !== '8BITMIME' && body !== 'BINARYMIME') {
          return reply(501, '5.5.4', 'BODY must be 7BIT, 8BITMIME or BINARYMIME');
        }
        envelope.body = body;
        break;
      }
      case 'RET': {
        const ret = typeof value === 'string' ? value.toUpperCase() : '';
        if (ret !== 'FULL' && ret !== 'HDRS') return reply(501, '5.5.4', 'RET must be FULL or HDRS');
        envelope.dsn.ret = ret;
        break;
      }
      case 'ENVID':
        if (value === true || value.length > 100) return reply(501, '5.5.4', 'Invalid ENVID');
        envelope.dsn.envid = decodeXtext(value);
        break;
      case 'SMTPUTF8':
      case 'AUTH':
        break;
      default:
        return reply(555, '5.5.4', `Unsupported parameter ${name}`);
    }
  }
  if (address !== '') {
    if (!envelope.utf8 && /[^\x00-\x7f]/.test(address)) {
      return reply(553, '5.6.7', 'Non-ASCII address requires SMTPUTF8');
    }
    try {
      envelope.mailFrom = parseAddress(address, { utf8: envelope.utf8 }).address;
    } catch (error) {
      if (error instanceof AddressError)
        return reply(553, '5.1.7', `Bad sender address syntax: ${error.message}`);
      throw error;
    }
  }
  const verdict = await session.policy.checkSender(session.info, envelope);
  if (verdict) return verdict;
  session.envelope = envelope;
  return reply(250, '2.1.0', 'Ok');
}

/** RCPT TO:<path> [NOTIFY=] [ORCPT=] */
export async function handleRcpt(session: SmtpSession, argument: string): Promise<SmtpReply> {
  const envelope = session.envelope;
  if (!envelope) return reply(503, '5.5.1', 'Need MAIL command');
  const parsed = parsePathCommand(argument, 'TO');
  if (!parsed.ok) return reply(501, '5.5.4', `Syntax error in RCPT: ${parsed.error}`);
  const { address, params } = parsed.value;
  if (envelope.recipients.length >= session.options.limits.maxRecipients) {
    return reply(452, '4.5.3', 'Too many recipients');
  }
  let notify: string[] | undefined;
  let orcpt: string | undefined;
  for (const [name, value] of params) {
    if (name === 'NOTIFY' && typeof value === 'string') {
      notify = value.toUpperCase().split(',');
      const valid =
        notify.every((n) => NOTIFY_VALUES.has(n)) && (!notify.includes('NEVER') || notify.length === 1);
      if (!valid) return reply(501, '5.5.4', 'Invalid NOTIFY value');
    } else if (name === 'ORCPT' && typeof value === 'string') {
      orcpt = decodeXtext(value);
    } else {
      return reply(555, '5.5.4', `Unsupported parameter ${name}`);
    }
  }
  if (address === '') return reply(501, '5.1.3', 'Null recipient is not allowed');
  if (!envelope.utf8 && /[^\x00-\x7f]/.test(address)) {
    return reply(553, '5.6.7', 'Non-ASCII address requires SMTPUTF8');
  }
  let normalised: string;
  try {
    normalised = parseAddress(address, { utf8: envelope.utf8 }).address;
  } catch (error) {
    if (error instanceof AddressError) {
      return reply(550, '5.1.3', `Bad recipient address syntax: ${error.message}`);
    }
    throw error;
  }
  if (envelope.recipients.some((r) => r.address.toLowerCase() === normalised.toLowerCase())) {
    return reply(250, '2.1.5', 'Ok');
  }
  const verdict = await session.policy.checkRecipient(session.info, envelope, normalised);
  if (verdict) return verdict;
  envelope.recipients.push({ address: normalised, notify, orcpt });
  return reply(250, '2.1.5', 'Ok');
}
