/**
 * RFC 5230 vacation with RFC 6131 :seconds. The engine only decides that a reply is wanted;
 * the delivery layer applies RFC 3834 (no replies to lists, bounces, auto-submitted mail,
 * or mail not addressed to `addresses`) and the once-per-period rule keyed by `handle`.
 */
import { perform } from '../actions';
import { argStrings, tagNumber, tagString, tagStrings, type Spec } from '../spec';

export const VACATION_DEFAULT_DAYS = 7;
export const VACATION_MIN_DAYS = 1;

export const vacationCommands: Spec[] = [
  {
    name: 'vacation',
    kind: 'command',
    ext: ['vacation'],
    tags: [
      { name: 'days', param: 'number', group: 'period' },
      { name: 'seconds', param: 'number', group: 'period', ext: 'vacation-seconds' },
      { name: 'subject', param: 'string' },
      { name: 'from', param: 'string' },
      { name: 'addresses', param: 'stringlist' },
      { name: 'mime' },
      { name: 'handle', param: 'string' },
    ],
    args: ['string'],
    run: async (node, rt) => {
      const reason = rt.str(argStrings(node, 0)[0]);
      const subjectTag = tagString(node, 'subject');
      const fromTag = tagString(node, 'from');
      const subject = subjectTag === undefined ? undefined : rt.str(subjectTag);
      const from = fromTag === undefined ? undefined : rt.str(fromTag);
      const mime = node.tags.mime === true;
      const secondsTag = tagNumber(node, 'seconds');
      const days = Math.max(VACATION_MIN_DAYS, tagNumber(node, 'days') ?? VACATION_DEFAULT_DAYS);
      const seconds = secondsTag ?? days * 86400;
      const handleTag = tagString(node, 'handle');
      // Without :handle, replies differing in any of these count as different (RFC 5230 §4.2),
      // built the way Pigeonhole builds it.
      const handle =
        handleTag !== undefined
          ? rt.str(handleTag)
          : `${reason}${subject ?? '<default-subject>'}${from ?? '<default-from>'}${mime ? '<MIME>' : '<NO-MIME>'}`;
      const addresses: string[] = [];
      for (const a of [...rt.strs(tagStrings(node, 'addresses') ?? []), ...rt.env.userAddresses]) {
        if (!addresses.some((x) => x.toLowerCase() === a.toLowerCase())) addresses.push(a);
      }
      perform(
        rt,
        {
          type: 'vacation',
          handle,
          ...(subject !== undefined ? { subject } : {}),
          ...(from !== undefined ? { from } : {}),
          addresses,
          mime,
          reason,
          seconds,
        },
        node.pos,
      );
      return 'next';
    },
  },
];
