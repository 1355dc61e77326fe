/**
 * Sieve → rules: the editor's own scripts only. The markers are parsed and the script is made
 * again from them; if that is not the text stored (someone edited it by hand, or it was never the
 * editor's), there are no rules to show and the webmail offers the raw editor instead.
 */
import { RULE_MARKER, RULES_HEADER, rulesToSieve } from './generate';
import { DEFAULT_RULES_LIMITS, parseRules, RulesError, type Rule, type RulesLimits } from './model';

const normalise = (s: string): string => s.replace(/\r\n/g, '\n');

/** The rules a script was generated from, or null when it is not (or no longer) the editor's. */
export function sieveToRules(script: string, limits: RulesLimits = DEFAULT_RULES_LIMITS): Rule[] | null {
  const text = normalise(script);
  if (!text.startsWith(RULES_HEADER + '\n')) return null;
  const raw: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(RULE_MARKER)) continue;
    try {
      raw.push(JSON.parse(line.slice(RULE_MARKER.length)));
    } catch {
      return null;
    }
  }
  let rules: Rule[];
  try {
    rules = parseRules(raw, limits);
  } catch (error) {
    if (error instanceof RulesError) return null;
    throw error;
  }
  return rulesToSieve(rules) === text ? rules : null;
}
