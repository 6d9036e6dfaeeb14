import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { ArnParts, accountRootArn } from '../grants/policy';

/** Account, region and partition of the provider, read once and shared by the constructs. */
export class AwsContext extends Construct {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** The partition's domain for service endpoints: amazonaws.com, amazonaws.com.cn in China. */
  readonly dnsSuffix: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.accountId = new DataAwsCallerIdentity(this, 'caller').accountId;
    this.region = new DataAwsRegion(this, 'region').name;
    const partition = new DataAwsPartition(this, 'partition');
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
  }

  /** Partition, region and account, for building the ARNs of the stack's resources. */
  get arnParts(): ArnParts {
    return { partition: this.partition, region: this.region, account: this.accountId };
  }

  /** The account principal that key policies name for administration. */
  get accountRootArn(): string {
    return accountRootArn(this.arnParts);
  }
}
