/**
 * A message to LIST-request@: runs its commands and sends one reply with every answer. Robots
 * (Auto-Submitted, Precedence bulk, null sender) get no reply, so two robots never talk forever.
 */
import { decodeHeaderValue, parseAddressList } from '../../mime';
import { extractSearchText } from '../../mime';
import { parseMessageStructure } from '../../mime';
import type { ListDeps } from '../deps';
import { headerView, isAutomatic } from '../list-id';
import { roleAddress } from '../links';
import { sendNotice } from '../notices';
import type { MailingList } from '../types';
import { confirm } from './confirm';
import type { CommandContext, ListCommand } from './context';
import { help } from './help';
import { parseCommands } from './parse';
import { subscribe } from './subscribe';
import { unsubscribe } from './unsubscribe';
import { who } from './who';

export interface RequestMessage {
  queueId: string;
  mailFrom: string;
  body: Buffer;
}

/** The author of a message: its From address, else the envelope sender ('' when neither). */
export function senderOf(body: Buffer, mailFrom: string): string {
  const from = parseAddressList(headerView(body).first('from'))?.find((a) => a.mailbox && a.host);
  return (from ? `${from.mailbox}@${from.host}` : mailFrom).trim().toLowerCase();
}

async function runOne(ctx: CommandContext, command: ListCommand): Promise<void> {
  switch (command.name) {
    case 'subscribe':
      return subscribe(ctx, command);
    case 'unsubscribe':
      return unsubscribe(ctx, command);
    case 'confirm':
      return confirm(ctx, command);
    case 'who':
      return who(ctx);
    default:
      return help(ctx);
  }
}

/** `fixed`: the command of LIST-join@ / LIST-leave@ (the content is not read). */
export async function runRequest(
  deps: ListDeps,
  list: MailingList,
  message: RequestMessage,
  fixed?: ListCommand,
): Promise<void> {
  const headers = headerView(message.body);
  const sender = senderOf(message.body, message.mailFrom);
  if (!message.mailFrom || !sender.includes('@') || isAutomatic(headers)) return;
  const subject = headers.first('subject');
  let commands: ListCommand[];
  if (fixed) commands = [fixed];
  else {
    const text = extractSearchText(message.body, parseMessageStructure(message.body)).body;
    commands = parseCommands(subject === null ? null : decodeHeaderValue(subject), text);
  }
  const answers: string[] = [];
  const ctx: CommandContext = {
    deps,
    list,
    sender,
    queueId: message.queueId,
    messageId: headers.first('message-id'),
    reply: (text) => void answers.push(text),
  };
  if (commands.length === 0) help(ctx);
  for (const command of commands) await runOne(ctx, command);
  // join/leave answer with the confirmation alone.
  if (fixed && fixed.name !== 'help') return;
  await sendNotice(
    deps,
    list,
    {
      from: roleAddress(list, 'request'),
      to: [sender],
      subject: `Re: ${subject ? decodeHeaderValue(subject) : 'your request'}`.slice(0, 200),
      autoSubmitted: 'auto-replied',
      inReplyTo: ctx.messageId,
      text: `${answers.join('\r\n\r\n')}\r\n`,
    },
    { queueId: message.queueId, tag: `request-reply:${sender}` },
  );
}
