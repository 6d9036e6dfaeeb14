import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider, AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { IamAccessKeyRotation, IamAccessKeyRotationProps } from '../construct/iam-access-key-rotation';
import { STACK_OUTPUTS, StackOutputName } from './outputs';
import { prepareResolvingOnce, synthesizerResolvingOnce, toTerraformResolvingOnce } from '../synthesis/resolve-once';
import { RotationChecks } from '../rules/aspect';
import { StateBackend, addStateBackend } from './state-backend';

export interface IamKeyRotationStackProps {
  readonly rotation: IamAccessKeyRotationProps;
  /** @default - the provider's: AWS_REGION / AWS_DEFAULT_REGION or the shared config at plan time */
  readonly region?: string;
  /**
   * Where Terraform keeps the state. Only S3 is offered; for another backend, build your own TerraformStack.
   * @default - a local file, terraform.tfstate next to cdk.tf.json (cdktf.out/stacks/<stack id>/)
   */
  readonly backend?: StateBackend;
  /**
   * More settings for the AWS provider (the app points it at the local emulator with them), or a function of the stack
   * that returns them (a target's role comes from a variable it adds to the stack).
   * @default - none: credentials and endpoints as the provider finds them
   */
  readonly providerSettings?: ProviderSettings | ((stack: TerraformStack) => ProviderSettings);
}

export type ProviderSettings = Partial<Omit<AwsProviderConfig, 'region'>>;

/**
 * One deployment: provider, state backend (local unless `backend` says S3), the rotation construct and its outputs.
 * Its synthesis resolves each element once (lib/synthesis/resolve-once.ts).
 */
export class IamKeyRotationStack extends TerraformStack {
  readonly rotation: IamAccessKeyRotation;

  constructor(scope: Construct, id: string, props: IamKeyRotationStackProps) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      ...(props.region !== undefined ? { region: props.region } : {}),
      ...(typeof props.providerSettings === 'function' ? props.providerSettings(this) : props.providerSettings),
    });
    addStateBackend(this, props.backend);

    this.rotation = new IamAccessKeyRotation(this, 'rotation', props.rotation);

    const values: Record<StackOutputName, unknown> = {
      secret_arns: this.rotation.secretArns,
      rotation_function_arn: this.rotation.rotationFunction.function.arn,
      rotation_role_arn: this.rotation.rotationFunction.role.arn,
      notification_topic_arn: this.rotation.notifications.topicArn,
    };
    for (const [name, description] of Object.entries(STACK_OUTPUTS)) {
      new TerraformOutput(this, name, { value: values[name as StackOutputName], description });
    }
    // The rotation checks only read the resources, so what prepareStack resolved stays valid through them.
    this.synthesizer = synthesizerResolvingOnce(this, this.synthesizer, (aspect) => aspect instanceof RotationChecks);
  }

  override prepareStack(): void {
    prepareResolvingOnce(this);
  }

  override toTerraform(): Record<string, unknown> {
    return toTerraformResolvingOnce(this, () => super.toTerraform() as Record<string, unknown>);
  }
}
