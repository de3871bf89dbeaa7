import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A DynamoDB client that records the name of every command it sends, to count requests per grab. */
export function countingDynamoClient(): { client: DynamoDBClient; requests: string[] } {
  const requests: string[] = [];
  const client = new DynamoDBClient({});
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, requests };
}
