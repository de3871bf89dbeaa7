import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  BillingMode,
  type StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface HouseTableProps {
  readonly partitionKey: Attribute;
  readonly sortKey?: Attribute;
  /** An epoch-seconds attribute after which DynamoDB deletes the item. */
  readonly timeToLiveAttribute?: string;
  /** A change stream, for a function that acts on every write. */
  readonly stream?: StreamViewType;
  /** The customer-managed key the table is encrypted with. */
  readonly key: IKey;
  /** Keep the table when the stack is deleted. */
  readonly retain: boolean;
}

/**
 * The house table: on demand, point-in-time recovery, encrypted with the stage's customer-managed key,
 * deletion protection while retained. No table name: CloudFormation names it, so stages never collide.
 */
export function houseTable(scope: Construct, id: string, props: HouseTableProps): Table {
  return new Table(scope, id, {
    partitionKey: props.partitionKey,
    ...(props.sortKey ? { sortKey: props.sortKey } : {}),
    ...(props.timeToLiveAttribute ? { timeToLiveAttribute: props.timeToLiveAttribute } : {}),
    ...(props.stream ? { stream: props.stream } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.key,
    deletionProtection: props.retain,
    removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}
