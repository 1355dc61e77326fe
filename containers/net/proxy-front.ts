import net, { type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { NetworkList, normaliseIp } from './ip-match';
import { mayBeProxyHeader, readProxyHeader, type ProxyInfo } from './proxy-protocol';

/**
 * A TCP front for the node's HTTP server: connections from trusted networks may start with a
 * PROXY v1/v2 header (the NLB's health checks on a PROXY v2 target group carry one; the ALB's do
 * not), which is read and removed before HTTP sees the bytes. A header is optional here because
 * no HTTP request starts with "\r\n\r\n" or "PROXY ". From anyone else the bytes go to HTTP as
 * they are (a header is then a 400).
 */
export function proxyFront(
  http: HttpServer,
  trustedNetworks: readonly string[],
  onDropped: (error: Error, remote: string) => void,
  timeoutMs = 10_000,
): net.Server {
  const trusted = new NetworkList(trustedNetworks);
  return net.createServer({ pauseOnConnect: true }, (socket) => {
    const remote = normaliseIp(socket.remoteAddress ?? 'unknown');
    if (!trusted.contains(remote)) return handOver(http, socket, null);
    readOptionalProxyHeader(socket, timeoutMs).then(
      (result) => handOver(http, socket, result.leftover),
      (error: Error) => {
        onDropped(error, remote);
        socket.destroy();
      },
    );
  });
}

function handOver(http: HttpServer, socket: Socket, leftover: Buffer | null): void {
  if (leftover) socket.unshift(leftover);
  http.emit('connection', socket);
  socket.resume();
}

/** Resolves with the header (if the connection starts with one) and the bytes after it; the socket is left paused. */
export function readOptionalProxyHeader(
  socket: Socket,
  timeoutMs: number,
): Promise<{ info: ProxyInfo | null; leftover: Buffer | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no request before timeout')), timeoutMs);
    const onData = (chunk: Buffer) => {
      done(null);
      socket.pause();
      if (!mayBeProxyHeader(chunk)) return resolve({ info: null, leftover: chunk });
      socket.unshift(chunk);
      readProxyHeader(socket, timeoutMs).then(({ leftover, ...info }) => resolve({ info, leftover }), reject);
      // Paused above; readProxyHeader's listener needs the bytes flowing again.
      socket.resume();
    };
    const onClose = () => done(new Error('closed before the request'));
    function done(error: Error | null) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', () => undefined);
    socket.resume();
  });
}
