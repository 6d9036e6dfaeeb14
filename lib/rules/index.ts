export { ROTATION_RULES } from './all-rules';
export { RotationChecks, applyRotationChecks } from './aspect';
export { invokePermissionEventRule } from './invoke-permission-event-rule';
export { invokePermissionSourceAccount } from './invoke-permission-source-account';
export { invokePermissionSourceArn } from './invoke-permission-source-arn';
export { logRetentionSet } from './log-retention-set';
export { noWildcardAccessKeyResource } from './no-wildcard-access-key-resource';
export { rotationConfigured } from './rotation-configured';
export * from './rule';
