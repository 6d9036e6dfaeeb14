// What the construct deploys as the rotation function besides its code, in terms a plan review can check: the handler,
// the runtime and the environment variables a user may add. Pure (no cdktf): lib/ builds the function from these, and
// the plan review (cli/commands/review) blocks a plan whose function differs from them.

/** dist/lambda/index.js exports `handler`. */
export const FUNCTION_HANDLER = 'index.handler';
export const FUNCTION_RUNTIME = 'nodejs22.x';

/**
 * The variables `functionEnvironment` accepts besides the construct's own (FUNCTION_ENV in core/contract.ts); the AWS SDK
 * for JavaScript v3 reads each. lib/construct/function-environment.ts says what each does and checks its value. Anything else
 * (`NODE_OPTIONS`, `AWS_ENDPOINT_URL_*`, proxies, CA bundles) could change what code runs or where the new keys go.
 */
export const USER_FUNCTION_ENVIRONMENT_VARIABLES = [
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
] as const;
export type UserFunctionEnvironmentVariable = (typeof USER_FUNCTION_ENVIRONMENT_VARIABLES)[number];
