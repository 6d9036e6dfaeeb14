import { parseArn } from '../arn';

/** Secrets Manager ends a secret's ARN with `-` and six random characters after the name. */
const SECRET_ARN_NAME_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** The secret's name, from its ARN (what Secrets Manager sends) or its name. */
export function secretNameOf(secretId: string): string {
  const arn = parseArn(secretId);
  return arn === undefined ? secretId : arn.resource.replace(/^secret:/, '').replace(SECRET_ARN_NAME_SUFFIX, '');
}
