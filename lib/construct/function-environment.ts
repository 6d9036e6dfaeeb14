// What `functionEnvironment` may add to the rotation function's environment: only variables with a documented use.
// Anything else could change what code runs before the handler or where the SDK sends the keys the function mints.
import type { UserFunctionEnvironmentVariable } from '../../core/function-package';
import { ValidationError, isUnresolved, show } from '../validation/validation';

interface AllowedVariable {
  /** What it does, for error messages; docs/construct.md lists the same variables (checked). */
  readonly use: string;
  /** What is wrong with a value, if anything. */
  readonly problem: (value: string) => string | undefined;
}

const oneOf =
  (...allowed: string[]) =>
  (value: string): string | undefined =>
    allowed.includes(value) ? undefined : `must be ${allowed.map(show).join(' or ')}`;

/**
 * The variables `functionEnvironment` accepts (the AWS SDK for JavaScript v3 reads each of them): exactly the names of
 * core/function-package.ts, which the plan review allows on the function too.
 */
export const FUNCTION_ENVIRONMENT_VARIABLES: Readonly<Record<string, AllowedVariable>> = {
  AWS_MAX_ATTEMPTS: {
    use: "how many times the SDK tries each call (1-10; the SDK's default is 3)",
    problem: (value) => (/^([1-9]|10)$/.test(value) ? undefined : 'must be a whole number from 1 to 10'),
  },
  AWS_RETRY_MODE: {
    use: "the SDK's retry strategy: `standard` or `adaptive` (adds client-side rate limiting under throttling)",
    problem: oneOf('standard', 'adaptive'),
  },
  AWS_USE_FIPS_ENDPOINT: {
    use: "`true` sends every call to AWS's FIPS 140 endpoints",
    problem: oneOf('true', 'false'),
  },
  AWS_USE_DUALSTACK_ENDPOINT: {
    use: "`true` sends every call to AWS's dual-stack (IPv4 and IPv6) endpoints",
    problem: oneOf('true', 'false'),
  },
} satisfies Record<UserFunctionEnvironmentVariable, AllowedVariable>;

/** Why a well-known variable is refused; any other gets the general reason. */
const REFUSAL_REASONS: readonly (readonly [RegExp, string])[] = [
  [/^NODE_OPTIONS$/, 'Node.js would load the code it names before the handler'],
  [/^AWS_LAMBDA_EXEC_WRAPPER$/, 'Lambda would run the script it names before the handler'],
  [
    /^(NODE_EXTRA_CA_CERTS|AWS_CA_BUNDLE|SSL_CERT_FILE|SSL_CERT_DIR)$/,
    'a certificate it trusts could let a proxy read the new keys',
  ],
  [/^(https?_proxy|all_proxy|no_proxy)$/i, "it would send the function's calls, and the new keys, through a proxy"],
  [/^AWS_ENDPOINT_URL(_|$)/, "it would send the function's AWS calls, and the new keys, to another endpoint"],
  [
    /^AWS_(CONFIG_FILE|SHARED_CREDENTIALS_FILE|PROFILE|DEFAULT_PROFILE)$/,
    'it would change the credentials and endpoints the SDK uses',
  ],
];
const GENERAL_REASON =
  'it has no documented use here, and an unknown variable could change what runs or where the new keys go';

// Lambda's limit: 4 KB for all variables, measured (as Lambda's error message shows) on the variables as compact JSON.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

export function environmentBytes(environment: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(environment), 'utf8');
}

/**
 * Every problem with the user's variables for a function that also gets `own` (set by the construct from other
 * props, so the user may not set them). The allowed ones are short: the environment's size is the construct's own.
 */
export function functionEnvironmentProblems(
  user: Record<string, string>,
  own: Record<string, string>,
  label: string,
): ValidationError[] {
  const problems: ValidationError[] = [];
  const allowedNames = Object.keys(FUNCTION_ENVIRONMENT_VARIABLES).join(', ');
  for (const [key, value] of Object.entries(user)) {
    const allowed = Object.hasOwn(FUNCTION_ENVIRONMENT_VARIABLES, key)
      ? FUNCTION_ENVIRONMENT_VARIABLES[key]
      : undefined;
    if (Object.hasOwn(own, key)) {
      problems.push(new ValidationError(label, `must not set ${show(key)}: it comes from its own prop`));
    } else if (allowed === undefined) {
      const reason = REFUSAL_REASONS.find(([pattern]) => pattern.test(key))?.[1] ?? GENERAL_REASON;
      problems.push(
        new ValidationError(label, `must not set ${show(key)}: ${reason}. Only ${allowedNames} may be set`),
      );
    } else if (typeof value !== 'string') {
      problems.push(new ValidationError(`${label}.${key}`, `must be a string, got ${show(value)}`));
    } else if (!isUnresolved(value)) {
      const problem = allowed.problem(value);
      if (problem !== undefined)
        problems.push(new ValidationError(`${label}.${key}`, `${problem}, got ${show(value)}`));
    }
  }
  return problems;
}
