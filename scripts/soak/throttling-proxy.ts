import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottlingProxy {
  readonly endpoint: string;
  /** DynamoDB requests answered ProvisionedThroughputExceededException, and all DynamoDB requests seen */
  counts(): { readonly throttled: number; readonly dynamoDbRequests: number };
  close(): Promise<void>;
}

const THROTTLED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
});

/**
 * DynamoDB throttling in front of moto, on 127.0.0.1: a share of DynamoDB requests (X-Amz-Target
 * DynamoDB_20120810.*) is answered HTTP 400 ProvisionedThroughputExceededException, as DynamoDB
 * does; everything else is forwarded untouched. The SDK retries throttles itself.
 */
export async function startThrottlingProxy(target: string, rate: number): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let throttled = 0;
  let dynamoDbRequests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.startsWith('DynamoDB_20120810.')) {
      dynamoDbRequests++;
      if (Math.random() < rate) {
        throttled++;
        req.resume();
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `throttled-${throttled}`,
        });
        return void res.end(THROTTLED);
      }
    }
    const forward = request(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ throttled, dynamoDbRequests }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
