/** Parses sizes like "1G", "500M", "10k", "1048576" into bytes; null for "unlimited"/"none". */
export function parseSize(input: string): number | null {
  const value = input.trim().toLowerCase();
  if (value === 'unlimited' || value === 'none' || value === '0') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/.exec(value);
  if (!match) throw new Error(`invalid size "${input}" (use e.g. 500M, 1G, 10k)`);
  const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(match[1]) * units[match[2]]);
}

export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'unlimited';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value}${units[unit]}`;
}
