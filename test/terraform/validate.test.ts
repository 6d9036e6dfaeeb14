// The synthesized example is plain Terraform that terraform itself accepts (offline through the provider mirror).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { STACK_NAME, buildApp } from '../../main';
import { fixtureZip } from '../lib/fixtures';
import { describeWithTerraform, terraformIn } from '../support/tools';

const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

interface SynthesizedStack {
  readonly stackDir: string;
  /** Runs terraform in the stack's folder. */
  readonly terraform: (...args: string[]) => string;
}

/** Synthesizes the app for a config file. */
function synthesizedStack(configPath: string, extraEnv: Record<string, string> = {}): SynthesizedStack {
  const app = buildApp({ configPath, outdir: tempDir('tf-app-'), functionZipPath: fixtureZip(), env: {} });
  const outdir = Testing.fullSynth(app.node.findChild(STACK_NAME) as TerraformStack);
  const stackDir = path.join(outdir, 'stacks', STACK_NAME);
  return { stackDir, terraform: terraformIn(stackDir, tempDir('tf-cli-'), extraEnv) };
}

describeWithTerraform('terraform', () => {
  jest.setTimeout(60_000);

  test('init and validate the synthesized example', () => {
    // GIVEN
    const { terraform } = synthesizedStack(path.join(__dirname, '..', '..', 'rotation.config.json'));
    // WHEN
    terraform('init', '-input=false', '-backend=false', '-no-color');
    const result = JSON.parse(terraform('validate', '-json')) as {
      valid: boolean;
      error_count: number;
      diagnostics: unknown[];
    };
    // THEN
    expect(result).toMatchObject({ valid: true, error_count: 0 });
  });

  describe('with an S3 backend in the config', () => {
    const S3_BUCKET = 'platform-terraform-state';
    let stack: SynthesizedStack;

    beforeAll(() => {
      const configPath = path.join(tempDir('tf-config-'), 'rotation.config.json');
      const s3 = {
        bucket: S3_BUCKET,
        key: 'iam-key-rotation/123456789012.tfstate',
        region: 'us-east-1',
        useLockfile: true,
        kmsKeyId: 'alias/terraform-state',
      };
      fs.writeFileSync(
        configPath,
        JSON.stringify({ region: 'us-east-1', users: [{ name: 'carol', createUser: true }], backend: { s3 } }),
      );
      // Credentials that exist nowhere, and no shared config or instance metadata: nothing here can reach AWS.
      stack = synthesizedStack(configPath, {
        AWS_ACCESS_KEY_ID: 'not-a-key',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_CONFIG_FILE: os.devNull,
        AWS_SHARED_CREDENTIALS_FILE: os.devNull,
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    });

    test('validates', () => {
      stack.terraform('init', '-input=false', '-backend=false', '-no-color');
      const result = JSON.parse(stack.terraform('validate', '-json')) as { valid: boolean; error_count: number };
      expect(result).toMatchObject({ valid: true, error_count: 0 });
    });

    test('has a backend block terraform init accepts: it gets as far as listing the bucket', () => {
      // GIVEN: validate skips the backend block and init checks it. A closed local port stands in for S3, added
      // to the block itself: with -backend-config, terraform 1.11 ignores unknown arguments in the block.
      const file = path.join(stack.stackDir, 'cdk.tf.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        terraform: { backend: { s3: Record<string, unknown> } };
      };
      const endpoint = 'http://127.0.0.1:9';
      Object.assign(json.terraform.backend.s3, {
        endpoints: { s3: endpoint, sts: endpoint, iam: endpoint, dynamodb: endpoint },
        use_path_style: true,
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        max_retries: 1,
      });
      fs.writeFileSync(file, JSON.stringify(json, null, 2));
      // WHEN
      let output = '';
      try {
        stack.terraform('init', '-input=false', '-no-color', '-reconfigure');
      } catch (error) {
        const { stdout, stderr } = error as { stdout: string; stderr: string };
        output = `${stdout}\n${stderr}`;
      }
      // THEN: no argument or value problem, no deprecation; the first thing that failed is the call to S3.
      expect(output).toMatch(new RegExp(`Unable to list objects in S3 bucket "${S3_BUCKET}"`));
      expect(output).not.toMatch(/Warning|Extraneous|Unsupported argument|Invalid/);
    });
  });
});
