/**
 * 16.x drafts (MS-ASEMAIL §3.1.5.4): a device adds a draft to the Drafts folder from To,
 * Subject and Body; it becomes an RFC 5322 message appended with \Draft.
 */
import type { EasElement } from '../wbxml/tree';
import type { ItemResult } from '../sync/item-source';
import type { EmailSourceDeps } from './email-source';

export async function addDraft(
  _deps: EmailSourceDeps,
  _accountId: number,
  _mailboxId: number,
  _data: EasElement,
): Promise<ItemResult> {
  return { status: 6 };
}
