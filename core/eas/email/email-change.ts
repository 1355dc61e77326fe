/**
 * A client's Sync Change of a message (MS-ASEMAIL §3.1.5.3 / §2.2.2.35): only Read, Flag and
 * Categories may change; anything else in the ApplicationData is ignored. Parsing only: the
 * source applies the result with the store's flag functions (as IMAP STORE does).
 */
import { child, childrenNamed, type EasElement } from '../wbxml/tree';
import { pageOf } from '../wbxml/code-pages';
import { categoryToKeyword } from './email-categories';

const EMAIL = pageOf('Email') as number;

export interface MailChange {
  seen?: boolean;
  flagged?: boolean;
  /** The full new set of category keywords (replaces the old ones). */
  categories?: string[];
}

/** Caps one Change: a device has no reason to send thousands of categories. */
const MAX_CATEGORIES = 100;

export function parseMailChange(data: EasElement): MailChange {
  const change: MailChange = {};
  const read = child(data, 'Read', EMAIL);
  if (read) {
    const v = (read.text ?? '').trim();
    if (v === '1') change.seen = true;
    else if (v === '0') change.seen = false;
  }
  const flag = child(data, 'Flag', EMAIL);
  if (flag) {
    // FlagStatus 2 is "flagged"; 0 (cleared), 1 (complete) and an empty Flag all unflag.
    const status = (child(flag, 'Status', EMAIL)?.text ?? '').trim();
    change.flagged = status === '2';
  }
  const categories = child(data, 'Categories', EMAIL);
  if (categories) {
    const keywords = new Map<string, string>();
    for (const c of childrenNamed(categories, 'Category').slice(0, MAX_CATEGORIES)) {
      const keyword = categoryToKeyword((c.text ?? '').trim());
      if (keyword) keywords.set(keyword.toLowerCase(), keyword);
    }
    change.categories = [...keywords.values()];
  }
  return change;
}
