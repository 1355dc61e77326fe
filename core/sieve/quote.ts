/** Quoting for generated scripts (RFC 5228 §2.4.2: only '"' and '\' need a backslash). */
export function sieveString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
