import pino, { type Logger } from 'pino';

/** Structured logs: readable on a terminal, JSON otherwise. Secrets are redacted by key. */
export function createLogger(options: { level: string; format?: 'pretty' | 'json' }): Logger {
  const pretty = (options.format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  return pino({
    level: options.level,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'authorization'], censor: '[redacted]' },
    transport: pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  });
}
