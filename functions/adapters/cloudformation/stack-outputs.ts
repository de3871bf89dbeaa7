import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * A deployed stack's outputs by key, or undefined when no stack of that name exists in the client's
 * account and region. Other failures (credentials, permissions, network) are thrown as the SDK raised them.
 */
export async function readStackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Readonly<Record<string, string>> | undefined> {
  try {
    const { Stacks: stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = stacks[0];
    if (!stack) return undefined;
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (e) {
    if (isNoSuchStack(e)) return undefined;
    throw e;
  }
}

/**
 * CloudFormation has no error of its own for a missing stack: it answers a ValidationError saying
 * "Stack with id X does not exist", so the message is all there is to tell it from a bad request.
 */
const isNoSuchStack = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ValidationError' && /does not exist/.test(e.message);
