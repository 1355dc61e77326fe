import { AdminError } from '../../core/admin/admin-error';
import { parseSize } from '../../core/util/size';

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function passwordFrom(options: { password?: string; passwordStdin?: boolean }): Promise<string> {
  if (options.passwordStdin) return readStdinPassword();
  if (options.password !== undefined) return options.password;
  throw new AdminError('invalid', 'give --password P or --password-stdin');
}

export function quota(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value);
  } catch (error) {
    throw new AdminError('invalid', (error as Error).message);
  }
}
