/**
 * NOTIFY NONE / NOTIFY SET [STATUS] (RFC 5465 §3.1). Syntax and the §5/§6.1 composition rules
 * are BAD (parser/notify-grammar.ts); events this server cannot report are NO [BADEVENT (…)]
 * listing the ones it can; too many watched mailboxes NO [NOTIFICATIONOVERFLOW]. What is then
 * sent, and when, is notify-state.ts's job.
 */
import { parseNotify, type KnownEvent } from '../parser/notify-grammar';
import type { ImapSession } from '../session';
import { no, ok } from '../types';
import type { Handler } from './context';

/** AnnotationChange needs ANNOTATE (RFC 5257), which we lack; metadata events need METADATA. */
export function supportedEvents(s: ImapSession): KnownEvent[] {
  const events: KnownEvent[] = [
    'MessageNew',
    'MessageExpunge',
    'FlagChange',
    'MailboxName',
    'SubscriptionChange',
  ];
  const caps = s.capabilities();
  if (caps.includes('METADATA')) events.push('MailboxMetadataChange');
  if (caps.includes('METADATA') || caps.includes('METADATA-SERVER')) events.push('ServerMetadataChange');
  return events;
}

export const notify: Handler = async (s, { t }) => {
  const command = parseNotify(t, s.utf8);
  if (command.kind === 'none') {
    s.notify.none();
    return ok('NOTIFY completed');
  }
  const supported = supportedEvents(s);
  const refused = new Set<string>();
  for (const group of command.groups) {
    for (const name of group.unknown) refused.add(name);
    for (const event of group.events) if (!supported.includes(event)) refused.add(event);
  }
  if (refused.size > 0) {
    return no(`Unsupported NOTIFY events: ${[...refused].join(' ')}`, `BADEVENT (${supported.join(' ')})`);
  }
  if (!(await s.notify.set(command.groups, command.status))) {
    return no('Too many mailboxes to watch for message events', 'NOTIFICATIONOVERFLOW');
  }
  return ok('NOTIFY completed');
};
