// The regions the pinned AWS provider accepts. A region it does not know passes synth and fails only at plan
// ("invalid AWS Region"), so the config loader refuses it at synth instead.

/** The version of the AWS provider the list below was measured with. */
export const AWS_PROVIDER_VERSION = '5.100.0';

/**
 * The regions the AWS provider 5.100.0 knows. Measured with terraform plan with provider 5.100.0 (one aliased
 * provider per candidate region, each read by a data source): these 44 configure; ap-southeast-6,
 * us-isob-west-1, eu-west-4, ap-south-3 and xx-nowhere-1 fail with `invalid AWS Region`.
 * Measure again when the provider is upgraded.
 */
export const AWS_PROVIDER_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-isoe-west-1',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eusc-de-east-1',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isof-east-1',
  'us-isof-south-1',
  'us-west-1',
  'us-west-2',
];

/**
 * The partition of a region's ARNs (`arn:<partition>:...`): a role of another partition cannot be assumed there.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html and the endpoints file of the pinned provider.
 */
const PARTITION_BY_REGION_PREFIX: readonly (readonly [string, string])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

/** The partition of `region` (one of AWS_PROVIDER_REGIONS, or any name of that shape): `aws` unless listed above. */
export function regionPartition(region: string): string {
  return PARTITION_BY_REGION_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
