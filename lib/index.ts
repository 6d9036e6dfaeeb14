// The package's public API: what a CDKTF app needs to rotate keys in its own stacks. Everything else under lib/ is
// internal and may change in any release; the package's exports map allows no deep imports.
// test/package/package.test.ts lists these names: adding or removing one is a deliberate, CHANGELOG-worthy change.

// The construct, its props and the types they use.
export { IamAccessKeyRotation } from './iam-access-key-rotation';
export type { Encryption, IamAccessKeyRotationProps, LogLevel } from './iam-access-key-rotation';
export type { RotatedUserOptions } from './rotated-user';
export type { RotationSchedule } from './schedule';
export type { NotificationOptions } from './notifications';
export type { PreviousKeyAction, PreviousKeyInUseAction } from '../core/contract';
export { ValidationError } from './validation';

// What the construct exposes (its parts, for references and escape hatches) and the stack's outputs.
export type { RotationFunction } from './rotation-function';
export type { RotatedUser } from './rotated-user';
export type { SecretsKey } from './secrets-key';
export type { NotificationTopic } from './notifications';
export type { SweepSchedule } from './sweep-schedule';
export type { RotationFailureAlert } from './rotation-failure-alert';
export type { FunctionAlarms } from './function-alarms';
export { STACK_OUTPUTS } from './outputs';
export type { StackOutputName } from './outputs';

// The policy checks the construct adds to its stack, for stacks that want them on their own resources too.
export { ROTATION_RULES, RotationChecks, applyRotationChecks } from './rules';
export type { Rule, RuleResult, SynthesizedResource, SynthesizedStack } from './rules';

// For apps driven by a config file, like this repository's: the loader and the one-stack deployment.
export { CONFIG_PATH_ENV, ConfigError, loadRotationConfig, parseRotationConfig } from './config';
export type { RotationConfig } from './config';
export { IamKeyRotationStack } from './stack';
export type { IamKeyRotationStackProps } from './stack';
export type { S3StateBackend, StateBackend } from './state-backend';
