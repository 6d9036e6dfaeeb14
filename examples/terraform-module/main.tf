# The plain Terraform module (npm run build:module writes dist/terraform-module) in a root configuration of its own:
# the provider and the state belong here, never to the module. test/e2e/terraform-module.test.ts validates this
# example, applies it to the local emulator, rotates a secret and checks that a second plan is clean.

terraform {
  required_version = ">= 1.9.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

module "rotation" {
  source = "../../dist/terraform-module"

  name = "iam-key-rotation"
  users = [
    { name = "alice", create_user = true },
    { name = "bob", create_user = true, schedule = { automatically_after_days = 30 } },
    # An existing user, looked up: the plan fails if it does not exist.
    { name = "ci-deployer" },
  ]
  schedule                = { automatically_after_days = 90 }
  previous_key_action     = "deactivate-after-grace"
  previous_key_grace_days = 7
  encryption              = "aws-managed"
  tags                    = { project = "iam-key-rotation", owner = "platform" }
}

output "secret_arns" {
  description = "ARN of each managed secret, by IAM user name."
  value       = module.rotation.secret_arns
}

output "rotation_function_arn" {
  value = module.rotation.rotation_function_arn
}

output "rotation_role_arn" {
  value = module.rotation.rotation_role_arn
}

output "notification_topic_arn" {
  value = module.rotation.notification_topic_arn
}
