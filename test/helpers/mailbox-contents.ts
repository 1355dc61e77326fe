import type { RunningNode } from '../../containers/node/node';

/** The messages in one folder of an account, as clients read them (header prefix + blob). */
export async function folderMessages(
  node: Pick<RunningNode, 'directory' | 'mailboxes'>,
  address: string,
  folder = 'INBOX',
): Promise<Buffer[]> {
  const account = await node.directory.getAccount(address);
  if (!account) throw new Error(`no account ${address}`);
  const mailbox = await node.mailboxes.getMailbox(account.id, folder);
  if (!mailbox) throw new Error(`${address} has no folder ${folder}`);
  const messages = await node.mailboxes.listMessages(mailbox.id);
  return Promise.all(messages.map((m) => node.mailboxes.readMessage(m)));
}

/** The same as text. */
export async function folderTexts(
  node: Pick<RunningNode, 'directory' | 'mailboxes'>,
  address: string,
  folder = 'INBOX',
): Promise<string[]> {
  return (await folderMessages(node, address, folder)).map((m) => m.toString('utf8'));
}
