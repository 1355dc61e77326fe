import { writeFileSync } from 'node:fs';

/**
 * Opt-in statement counts for profiling (docs/benchmarks.md): with NIMBUS_SQL_STATS=FILE, every
 * statement sent to PostgreSQL is counted by its text, and SIGUSR2 writes the counts, most frequent
 * first, to FILE and starts again. Off (null) unless that variable is set.
 */
export const statementStats = createStats(process.env.NIMBUS_SQL_STATS);

function createStats(file: string | undefined): ((sql: string) => void) | null {
  if (!file) return null;
  const counts = new Map<string, number>();
  process.on('SIGUSR2', () => {
    const sorted = [...counts].sort((a, b) => b[1] - a[1]);
    writeFileSync(file, JSON.stringify(sorted, null, 1));
    counts.clear();
  });
  return (sql) => {
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 160);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
}
