/**
 * RFC 5235 spamtest / virustest. Values are strings compared with the comparator (usually
 * i;ascii-numeric with :value): spamtest "0" = not tested, "1".."10"; :percent "0".."100";
 * virustest "0" = not tested, "1" clean .. "5" infected.
 */
import type { Runtime } from '../runtime';
import { argStrings, MATCHING_TAGS, type Spec } from '../spec';
import type { SieveNode } from '../types';
import { matchKeys } from './common';

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(n)));

export function spamValue(score: number | undefined, percent: boolean): string | null {
  if (score === undefined || !Number.isFinite(score)) return percent ? null : '0';
  // Our 0..10 scale: 0 is "certainly not spam", which spamtest calls 1.
  return percent ? String(clamp(score * 10, 0, 100)) : String(clamp(score, 1, 10));
}

export function virusValue(score: number | undefined): string {
  if (score === undefined || !Number.isFinite(score)) return '0';
  return String(clamp(score, 1, 5));
}

function compare(rt: Runtime, node: SieveNode, value: string | null): boolean {
  // RFC 5235 §3.2: with :percent an untested message makes the test false.
  return matchKeys(rt, node, value === null ? [] : [value], argStrings(node, 0));
}

export const spamTests: Spec[] = [
  {
    name: 'spamtest',
    kind: 'test',
    ext: ['spamtest'],
    tags: [{ name: 'percent', ext: 'spamtestplus' }, ...MATCHING_TAGS],
    args: ['string'],
    test: async (node, rt) => compare(rt, node, spamValue(rt.env.spamScore, node.tags.percent === true)),
  },
  {
    name: 'virustest',
    kind: 'test',
    ext: ['virustest'],
    tags: MATCHING_TAGS,
    args: ['string'],
    test: async (node, rt) => compare(rt, node, virusValue(rt.env.virusScore)),
  },
];
