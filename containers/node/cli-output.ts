/** Prints a command's result: JSON for scripts (--json), a readable summary for people. */
export function printResult(result: unknown, json: boolean, format?: (result: unknown) => string): void {
  if (json || !format) {
    process.stdout.write(JSON.stringify(result, null, json ? 2 : 2) + '\n');
    return;
  }
  const text = format(result);
  if (text) process.stdout.write(text + '\n');
}
