// The package's public API: what a CDKTF app needs to rotate keys in its own stacks. Everything else under lib/ is
// internal and may change in any release; the package's exports map allows no deep imports.
// test/package/package.test.ts lists these names: adding or removing one is a deliberate, CHANGELOG-worthy change.

// The construct, its props and the types they use.
export { IamAccessKeyRotation } from './construct/iam-access-key-rotation';
export type { Encryption, IamAccessKeyRotationProps, LogLevel } from './construct/iam-access-key-rotation';
export type { RotatedUserOptions } from './construct/rotated-user';
export type { RotationSchedule } from './construct/schedule';
export type { NotificationOptions } from './construct/notifications';
export type { PreviousKeyAction, PreviousKeyInUseAction } from '../core/contract';
export { ValidationError } from './validation/validation';

// What the construct exposes (its parts, for references and escape hatches) and the stack's outputs.
export type { RotationFunction } from './construct/rotation-function';
export type { RotatedUser } from './construct/rotated-user';
export type { SecretsKey } from './construct/secrets-key';
export type { NotificationTopic } from './construct/notifications';
export type { SweepSchedule } from './construct/sweep-schedule';
export type { RotationFailureAlert } from './construct/rotation-failure-alert';
export type { FunctionAlarms } from './construct/function-alarms';
export { STACK_OUTPUTS } from './app/outputs';
export type { StackOutputName } from './app/outputs';

// The policy checks the construct adds to its stack, for stacks that want them on their own resources too.
export { ROTATION_RULES, RotationChecks, applyRotationChecks } from './rules';
export type { Rule, RuleResult, SynthesizedResource, SynthesizedStack } from './rules';

// For apps driven by a config file, like this repository's: the loader and the one-stack deployment.
export { CONFIG_PATH_ENV, ConfigError, loadRotationConfig, parseRotationConfig } from './app/config';
export type { RotationConfig } from './app/config';
export { IamKeyRotationStack } from './app/stack';
export type { IamKeyRotationStackProps } from './app/stack';
export type { S3StateBackend, StateBackend } from './app/state-backend';
