/** Strict UTF-8 for protocol input: invalid bytes are an error, never silently turned into U+FFFD. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly (no overlong forms, no encoded surrogates, no truncation); null if invalid. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}
