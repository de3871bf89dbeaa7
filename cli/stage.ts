import { type AwsClientOptions, cloudFormationClient } from '#adapters/aws-clients.ts';
import { readStackOutputs } from '#adapters/cloudformation/stack-outputs.ts';
import { type CliTarget, TargetError } from '#cli/target.ts';
import { OPERATOR_SETTING_OUTPUT, stageStackNames } from '#core/stack-outputs.ts';
import type { OperatorSetting } from '#functions/config.ts';

/** Every operator setting has its output: the compiler holds the two lists together. */
const OUTPUT_OF: Readonly<Record<OperatorSetting, string>> = OPERATOR_SETTING_OUTPUT;

/**
 * `--stage <name>`: the stage's stateful stack, found by the name the CDK app gives it, and the
 * operator's settings taken from its outputs. Region and credentials are the SDK's (`--region`,
 * `--profile`, else AWS_REGION, AWS_PROFILE, ...), and so is the endpoint (AWS_ENDPOINT_URL, for tests).
 */
export async function stageTarget(
  stage: string,
  aws: AwsClientOptions,
  required: readonly OperatorSetting[],
): Promise<CliTarget> {
  const stackName = stageStackNames(stage).stateful;
  const client = cloudFormationClient(aws);
  try {
    const region = await regionOf(client, aws);
    const outputs = await readOutputs(client, stackName, region, aws.profile);
    if (!outputs) {
      throw new TargetError(
        `stage ${stage} is not deployed in ${region}: there is no CloudFormation stack ${stackName} there ` +
          `(deploy it with \`npx cdk deploy --all -c stage=${stage}\`, or name its region with --region)`,
      );
    }
    const missing = required.filter((setting) => !outputs[OUTPUT_OF[setting]]);
    if (missing.length > 0) {
      throw new TargetError(
        `stack ${stackName} in ${region} has no output ${missing.map((s) => OUTPUT_OF[s]).join(', ')}: ` +
          'deploy the stage again with this version of ceb-grab',
      );
    }
    const env: Record<string, string> = {};
    for (const [setting, output] of Object.entries(OUTPUT_OF)) {
      const value = outputs[output];
      if (value) env[setting] = value;
    }
    return { kind: 'stage', env, aws: { ...aws, region }, stage: { name: stage, stackName, region } };
  } finally {
    client.destroy();
  }
}

/** The region the client will use, or a message saying where to give one. */
async function regionOf(
  client: ReturnType<typeof cloudFormationClient>,
  aws: AwsClientOptions,
): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new TargetError(
      `no AWS region for the stage: pass --region (or set AWS_REGION${aws.profile ? `, or a region for profile ${aws.profile}` : ''})`,
    );
  }
}

async function readOutputs(
  client: ReturnType<typeof cloudFormationClient>,
  stackName: string,
  region: string,
  profile: string | undefined,
): Promise<Readonly<Record<string, string>> | undefined> {
  try {
    return await readStackOutputs(client, stackName);
  } catch (e) {
    const error = e as Error;
    // The SDK's credential chain names its failures so; its message says which source it tried, never a key.
    if (error.name === 'CredentialsProviderError') {
      throw new TargetError(
        profile
          ? `no AWS credentials for profile ${profile}: ${error.message} (is it in ~/.aws/credentials or ~/.aws/config?)`
          : `no AWS credentials: ${error.message} ` +
              '(use --profile, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      );
    }
    throw new TargetError(`cannot read stack ${stackName} in ${region}: ${error.name}: ${error.message}`);
  }
}
