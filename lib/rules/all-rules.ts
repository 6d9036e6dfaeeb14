import { invokePermissionSourceAccount } from './invoke-permission-source-account';
import { invokePermissionEventRule } from './invoke-permission-event-rule';
import { invokePermissionSourceArn } from './invoke-permission-source-arn';
import { logRetentionSet } from './log-retention-set';
import { noWildcardAccessKeyResource } from './no-wildcard-access-key-resource';
import { rotationConfigured } from './rotation-configured';
import { Rule } from './rule';

export const ROTATION_RULES: readonly Rule[] = [
  rotationConfigured,
  noWildcardAccessKeyResource,
  logRetentionSet,
  invokePermissionSourceAccount,
  invokePermissionSourceArn,
  invokePermissionEventRule,
];
