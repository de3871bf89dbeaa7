import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one place AWS SDK clients are made. With no options a client takes region, credentials and
 * endpoint from the SDK's own chain, so AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>, e.g. the
 * local KMS double's) point it at the local stack exactly as in a Lambda. An operator command that
 * targets the local stack passes that stack's endpoint here instead of writing the environment; one
 * that targets a deployed stage (`--stage`) passes only the operator's `--region` and `--profile`.
 * A composition root makes each client once per container and shares it between its adapters.
 * (Secrets Manager and SSM are read through Powertools parameters, which keep their own clients.)
 */
export interface AwsClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  /** a profile of ~/.aws/config and ~/.aws/credentials: its credentials (and region, unless given) */
  readonly profile?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export const dynamoClient = (options: AwsClientOptions = {}): DynamoDBClient => new DynamoDBClient(options);

/** DynamoDB Streams is its own API; only the local stack reads a stream itself (Lambda's mapping does when deployed). */
export const dynamoStreamsClient = (options: AwsClientOptions = {}): DynamoDBStreamsClient =>
  new DynamoDBStreamsClient(options);

export const sqsClient = (options: AwsClientOptions = {}): SQSClient => new SQSClient(options);

export const kmsClient = (options: AwsClientOptions = {}): KMSClient => new KMSClient(options);

/** Only `ceb-grab --stage` uses it (a stage's stack outputs); no function bundle imports it. */
export const cloudFormationClient = (options: AwsClientOptions = {}): CloudFormationClient =>
  new CloudFormationClient(options);
