/** The stack's outputs (terraform-aws-modules naming: `<resource>_<attribute>`); the table in docs/construct.md is checked against it. */
export const STACK_OUTPUTS = {
  secret_arns: 'ARN of each managed secret, by IAM user name.',
  rotation_function_arn: 'ARN of the rotation Lambda function.',
  rotation_role_arn: "ARN of the rotation function's execution role.",
  notification_topic_arn:
    "ARN of the SNS topic for rotation failures, the sweep's findings and the alarms (created, or `notifications.topicArn`).",
} as const;

export type StackOutputName = keyof typeof STACK_OUTPUTS;
