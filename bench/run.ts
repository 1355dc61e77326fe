/**
 * `npm run bench -- NAME [options]`: runs one benchmark. Benchmarks print figures; they assert
 * nothing and talk only to 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const file = name ? path.join(__dirname, `${name}.ts`) : '';
if (!name || !existsSync(file)) {
  process.stderr.write(
    'usage: npm run bench -- <versus|growth|profile|smtp|imap|relay|web|cluster> [options]\n',
  );
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
