/**
 * Which certificate a mail port presents: implicit TLS (465/993/995) or after the protocol's own
 * STARTTLS (SMTP, IMAP, POP3 STLS, ManageSieve). Real sockets; the certificate is not verified (the suites
 * compare fingerprints).
 */
import net from 'node:net';
import tls from 'node:tls';

export type StartTlsDialect = 'smtp' | 'imap' | 'pop3' | 'managesieve';

function readLine(socket: net.Socket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const lines = buffer.split('\r\n');
      const match = lines.find((line) => pattern.test(line));
      if (match !== undefined) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(match);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

function secure(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ rejectUnauthorized: false, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A TLS session on an implicit-TLS port (left open: the caller ends it). */
export function connectTls(port: number): Promise<tls.TLSSocket> {
  return secure({ host: '127.0.0.1', port, servername: 'localhost' });
}

/** A TLS session after STARTTLS on a plain port. */
export async function connectStartTls(port: number, dialect: StartTlsDialect): Promise<tls.TLSSocket> {
  const plain = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => plain.once('connect', resolve).once('error', reject));
  if (dialect === 'smtp') {
    await readLine(plain, /^220 /);
    plain.write('EHLO probe.test\r\n');
    await readLine(plain, /^250 /);
    plain.write('STARTTLS\r\n');
    await readLine(plain, /^220 /);
  } else if (dialect === 'imap') {
    await readLine(plain, /^\* OK/);
    plain.write('s1 STARTTLS\r\n');
    await readLine(plain, /^s1 OK/);
  } else if (dialect === 'managesieve') {
    // RFC 5804: the capability list ends with OK; STARTTLS is answered OK.
    await readLine(plain, /^OK/);
    plain.write('STARTTLS\r\n');
    await readLine(plain, /^OK/);
  } else {
    await readLine(plain, /^\+OK/);
    plain.write('STLS\r\n');
    await readLine(plain, /^\+OK/);
  }
  plain.removeAllListeners('data');
  return secure({ socket: plain, servername: 'localhost' });
}

/** The SHA-256 fingerprint a port presents (implicit TLS, or STARTTLS in `dialect`). */
export async function presentedFingerprint(port: number, dialect?: StartTlsDialect): Promise<string> {
  const socket = dialect ? await connectStartTls(port, dialect) : await connectTls(port);
  try {
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}

/** Sends a line on an open session and resolves with the first reply line matching `pattern`. */
export async function exchange(socket: net.Socket, line: string, pattern: RegExp): Promise<string> {
  const reply = readLine(socket, pattern);
  socket.write(line);
  return reply;
}

export { readLine };
