import type { Logger } from 'pino';

/**
 * What a node process does with an error nothing else handled (docs/operations.md, "Unexpected
 * errors"). Bad input must never get this far: every socket, stream and request handles its
 * own errors. These are for our bugs, and neither ends the node silently:
 *
 * - an unhandled promise rejection is logged (error, with the reason's stack) and counted; the
 *   node keeps serving. The rejection unwound one async task, which left no state half-changed
 *   for the other sessions.
 * - an uncaught exception is logged (fatal), the node stops gracefully within `exitTimeoutMs`
 *   (listeners close, sessions and workers finish) and exits with EXIT_UNCAUGHT, so that the
 *   supervisor (ECS, systemd) starts a fresh one. A synchronous throw that escaped an event
 *   handler may have left shared state inconsistent, and Node documents that resuming is unsafe.
 */
export const EXIT_UNCAUGHT = 70; // EX_SOFTWARE (sysexits.h)

export interface ProcessGuards {
  /** The graceful stop run before exiting on an uncaught exception (set once the node runs). */
  onFatal(stop: () => Promise<void>): void;
  /** Unhandled rejections seen so far (for metrics and tests). */
  readonly rejections: number;
  uninstall(): void;
}

export interface GuardOptions {
  exitTimeoutMs?: number;
  /** The process to guard (tests pass their own emitter); default `process`. */
  target?: NodeJS.EventEmitter;
  exit?: (code: number) => void;
}

export function installProcessGuards(log: Logger, options: GuardOptions = {}): ProcessGuards {
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const exitTimeoutMs = options.exitTimeoutMs ?? 15_000;
  let stop: (() => Promise<void>) | null = null;
  let rejections = 0;
  let dying = false;

  const onRejection = (reason: unknown) => {
    rejections++;
    log.error(
      { err: reason, rejections },
      'unhandled promise rejection (bug): logged, the node keeps serving',
    );
  };

  const onException = (error: unknown, origin?: string) => {
    // Never silent, even if the logger's destination is gone: stderr is synchronous for files and pipes.
    process.stderr.write(
      `nimbus: uncaught exception (${origin ?? 'uncaughtException'}): ${describe(error)}\n`,
    );
    if (dying) return exit(EXIT_UNCAUGHT); // a second one while stopping: no more grace
    dying = true;
    log.fatal(
      { err: error, origin },
      'uncaught exception (bug): stopping so the supervisor restarts the node',
    );
    const timer = setTimeout(() => {
      process.stderr.write(`nimbus: graceful stop took over ${exitTimeoutMs} ms, exiting\n`);
      exit(EXIT_UNCAUGHT);
    }, exitTimeoutMs);
    Promise.resolve()
      .then(() => stop?.())
      .catch((stopError: unknown) => log.error({ err: stopError }, 'graceful stop failed'))
      .finally(() => {
        clearTimeout(timer);
        exit(EXIT_UNCAUGHT);
      });
  };

  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    onFatal(fn) {
      stop = fn;
    },
    get rejections() {
      return rejections;
    },
    uninstall() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
