/** RFC 5260 date and currentdate, with :zone / :originalzone and :index. */
import { datePart, DATE_PARTS, parseDateTime, parseOffset, zoneOffset, type ZonedTime } from '../dates';
import type { Runtime } from '../runtime';
import { argStrings, INDEX_TAGS, MATCHING_TAGS, tagString, type Spec, type TagSpec } from '../spec';
import type { SieveNode } from '../types';
import { matchKeys, selectIndex } from './common';

const ZONE_TAGS: TagSpec[] = [
  { name: 'zone', param: 'string', group: 'zone' },
  { name: 'originalzone', group: 'zone' },
];

/** A literal :zone and date-part are checked when the script is compiled. */
function checkDate(node: SieveNode, partIndex: number): string | null {
  const zone = tagString(node, 'zone');
  if (zone !== undefined && !zone.includes('${') && parseOffset(zone) === null)
    return `invalid :zone "${zone}"`;
  const part = argStrings(node, partIndex)[0] ?? '';
  if (!part.includes('${') && !(DATE_PARTS as readonly string[]).includes(part.toLowerCase())) {
    return `unknown date part "${part}"`;
  }
  return null;
}

/** The time in the zone the test asks for (RFC 5260 §4.1, §5). */
function inZone(rt: Runtime, node: SieveNode, time: ZonedTime): ZonedTime | null {
  if (node.tags.originalzone === true) return time;
  const zone = tagString(node, 'zone');
  if (zone !== undefined) {
    const offset = parseOffset(rt.str(zone));
    return offset === null ? null : { utcMs: time.utcMs, offset };
  }
  return { utcMs: time.utcMs, offset: zoneOffset(rt.env.timezone, time.utcMs) };
}

function headerDate(value: string, header: string): ZonedTime | null {
  // A Received field carries its date after the last ";" (RFC 5321 §4.4).
  const text = header.toLowerCase() === 'received' ? value.slice(value.lastIndexOf(';') + 1) : value;
  return parseDateTime(text);
}

export const dateTests: Spec[] = [
  {
    name: 'date',
    kind: 'test',
    ext: ['date'],
    tags: [...ZONE_TAGS, ...MATCHING_TAGS, ...INDEX_TAGS],
    args: ['string', 'string', 'stringlist'],
    check: (node) => checkDate(node, 1),
    test: async (node, rt) => {
      const header = rt.str(argStrings(node, 0)[0]);
      const part = rt.str(argStrings(node, 1)[0]);
      const values = selectIndex(node, rt.message.values(header))
        .map((v) => headerDate(v, header))
        .map((t) => (t ? inZone(rt, node, t) : null))
        .map((t) => (t ? datePart(t, part) : null))
        .filter((v): v is string => v !== null);
      return matchKeys(rt, node, values, argStrings(node, 2));
    },
  },
  {
    name: 'currentdate',
    kind: 'test',
    ext: ['date'],
    tags: [{ name: 'zone', param: 'string', group: 'zone' }, ...MATCHING_TAGS],
    args: ['string', 'stringlist'],
    check: (node) => checkDate(node, 0),
    test: async (node, rt) => {
      const now = inZone(rt, node, { utcMs: rt.env.now.getTime(), offset: 0 });
      const value = now ? datePart(now, rt.str(argStrings(node, 0)[0])) : null;
      return matchKeys(rt, node, value === null ? [] : [value], argStrings(node, 1));
    },
  },
];
