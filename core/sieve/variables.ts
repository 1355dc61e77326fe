/**
 * RFC 5229 variables: "${name}" / "${N}" / "${global.name}" references expanded in one pass,
 * the set command's modifiers, and quoting of wildcards.
 */

/** Longest value a variable keeps (RFC 5229 §6 lets implementations cap it; Pigeonhole: 4 KiB). */
export const MAX_VARIABLE_LENGTH = 4096;
/** How many variables one script may set. */
export const MAX_VARIABLES = 255;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A variable name as `set` accepts it: identifier, optionally with namespaces ("global.x"). */
export function isVariableName(name: string): boolean {
  return name.split('.').every((part) => IDENT.test(part));
}

export interface VariableLookup {
  /** Value of a named variable ("" when unset); name is lower-cased, namespaces included. */
  named(name: string): string;
  /** ${N} match variables. */
  match(index: number): string;
}

/**
 * Replaces every well-formed reference; anything else (an unbalanced "${", a bad name) stays
 * as written (RFC 5229 §3).
 */
export function expandVariables(text: string, lookup: VariableLookup): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (whole, ref: string) => {
    if (/^[0-9]+$/.test(ref)) return lookup.match(Number(ref));
    if (!isVariableName(ref)) return whole;
    return lookup.named(ref.toLowerCase());
  });
}

export function truncateValue(value: string): string {
  return value.length > MAX_VARIABLE_LENGTH ? value.slice(0, MAX_VARIABLE_LENGTH) : value;
}

/** RFC 5229 §4.1 modifiers with their precedence: higher runs first. */
export const MODIFIERS: Record<string, number> = {
  lower: 40,
  upper: 40,
  lowerfirst: 30,
  upperfirst: 30,
  quotewildcard: 20,
  length: 10,
};

export function quoteWildcards(value: string): string {
  return value.replace(/[*?\\]/g, (c) => `\\${c}`);
}

function applyModifier(modifier: string, value: string): string {
  switch (modifier) {
    case 'lower':
      return value.toLowerCase();
    case 'upper':
      return value.toUpperCase();
    case 'lowerfirst':
      return value.charAt(0).toLowerCase() + value.slice(1);
    case 'upperfirst':
      return value.charAt(0).toUpperCase() + value.slice(1);
    case 'quotewildcard':
      return quoteWildcards(value);
    case 'length':
      return String([...value].length);
    default:
      return value;
  }
}

export function applyModifiers(modifiers: string[], value: string): string {
  const ordered = [...modifiers].sort((a, b) => (MODIFIERS[b] ?? 0) - (MODIFIERS[a] ?? 0));
  return ordered.reduce((v, m) => applyModifier(m, v), value);
}
