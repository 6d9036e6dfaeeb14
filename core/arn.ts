/** The parts of an ARN this function compares. */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the account, e.g. `user/path/alice`. */
  readonly resource: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; undefined for anything else. */
export function parseArn(arn: string): ParsedArn | undefined {
  const [prefix, partition, service, region, account, ...resource] = arn.split(':');
  if (
    prefix !== 'arn' ||
    !partition ||
    !service ||
    region === undefined ||
    account === undefined ||
    resource.length === 0
  ) {
    return undefined;
  }
  return { partition, service, region, account, resource: resource.join(':') };
}

/**
 * Whether `callerArn` is the IAM user `userName` (under any path) in the partition and account of `secretArn`:
 * `arn:<partition>:iam::<account>:user/<path...>/<userName>`. IAM user names are unique regardless of case and
 * IAM finds a user by any casing of its name, so `Alice` in the tag is the user STS calls `alice`.
 */
export function isArnOfUser(callerArn: string, userName: string, secretArn: string): boolean {
  const caller = parseArn(callerArn);
  const secret = parseArn(secretArn);
  if (caller === undefined || secret === undefined) {
    return false;
  }
  const [resourceType, ...path] = caller.resource.split('/');
  return (
    caller.service === 'iam' &&
    resourceType === 'user' &&
    path[path.length - 1]?.toLowerCase() === userName.toLowerCase() &&
    caller.partition === secret.partition &&
    caller.account === secret.account
  );
}
