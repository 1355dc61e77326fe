/** The node's own ECS task ARN from the task metadata endpoint v4, and what happens without one. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ecsTaskArn } from '../../../core/adapters/aws/eventbridge-heartbeat';

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('ecsTaskArn', () => {
  it('reads TaskARN from <metadata uri>/task', async () => {
    const endpoint = await serve((req, res) => {
      res.end(req.url === '/task' ? JSON.stringify({ TaskARN: 'arn:aws:ecs:eu-west-1:1:task/c/t1' }) : '{}');
    });
    try {
      expect(await ecsTaskArn(endpoint.url)).toBe('arn:aws:ecs:eu-west-1:1:task/c/t1');
    } finally {
      await endpoint.close();
    }
  });

  it('is undefined outside ECS, on an error answer, or when the endpoint does not answer', async () => {
    expect(await ecsTaskArn(undefined)).toBeUndefined();
    const failing = await serve((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const silent = await serve(() => undefined); // never answers
    try {
      expect(await ecsTaskArn(failing.url)).toBeUndefined();
      expect(await ecsTaskArn(silent.url, 200)).toBeUndefined();
    } finally {
      await failing.close();
      await silent.close();
    }
  });
});
