/** Decodes a SASL PLAIN response (RFC 4616): authzid NUL authcid NUL passwd, base64-encoded. */
export function decodeSaslPlain(
  base64: string,
): { authzid: string; username: string; password: string } | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return null;
  const parts = Buffer.from(base64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1] || !parts[2]) return null;
  return { authzid: parts[0], username: parts[1], password: parts[2] };
}

export function decodeBase64Text(base64: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64.trim())) return null;
  return Buffer.from(base64.trim(), 'base64').toString('utf8');
}
