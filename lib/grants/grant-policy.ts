// The grants on the managed secrets and users, as customer managed policies of at most IAM's size, and how many
// such policies a set of users needs.
import { ATTEMPT_TAG_KEY } from '../../core/contract';
import {
  ArnParts,
  LONGEST_ARN_PARTS,
  MANAGED_POLICY_SIZE_LIMIT,
  PolicyStatement,
  policyJson,
  policySize,
  userArnPatterns,
} from './policy';
import { secretArnPattern } from '../construct/secret-names';
import { isUnresolved } from '../validation/validation';

/** The identifiers a role needs to rotate one user's keys in one secret. */
export interface RotationGrant {
  /** The secret's ARN as policies name it: a pattern built from its name (secretArnPattern), known at plan time. */
  readonly secretArn: string;
  /** Name of the secret, to size the policies (its ARN is only known at plan time). */
  readonly secretName: string;
  /** The user's name as policies write it: a reference where the user is a resource or data source of the stack. */
  readonly userName: string;
  /** The user's name as configured, to size the policies (the reference's value has the same length). */
  readonly configuredUserName: string;
}

/** What sizing a grant needs: the names as configured. */
export type GrantSizing = Pick<RotationGrant, 'secretName' | 'configuredUserName'>;

/** The grants on the secrets and users of one managed policy. */
export function userStatements(
  grants: readonly Pick<RotationGrant, 'secretArn' | 'userName'>[],
  parts: ArnParts,
): PolicyStatement[] {
  return [
    {
      Sid: 'RotateManagedSecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:ListSecretVersionIds',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
      ],
      Resource: grants.map(({ secretArn }) => secretArn),
      // The attempt marker (see core/contract.ts) is the only tag key the function may set or remove, so it can never move
      // the user tag. Only TagResource and UntagResource carry aws:TagKeys; for the other actions the key is absent
      // and ForAllValues holds. One statement names each secret once, which keeps about 30 users in a policy.
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [ATTEMPT_TAG_KEY] } },
    },
    {
      Sid: 'ManageAccessKeysOfManagedUsers',
      Effect: 'Allow',
      Action: [
        'iam:ListAccessKeys',
        'iam:CreateAccessKey',
        'iam:DeleteAccessKey',
        'iam:UpdateAccessKey',
        'iam:GetAccessKeyLastUsed',
      ],
      Resource: grants.flatMap(({ userName }) => userArnPatterns(parts, userName)),
    },
  ];
}

/** The size IAM will count for a policy with these grants, whatever partition, region and account it lands in. */
export function grantPolicySize(grants: readonly GrantSizing[]): number {
  return policySize(policyJson(userStatements(grants.map(standIn), LONGEST_ARN_PARTS)));
}

/** A name given as a reference (a token) is sized as the longest it can be: Secrets Manager's 512, IAM's 64. */
const LONGEST_SECRET_NAME = 's'.repeat(512);
const LONGEST_USER_NAME = 'u'.repeat(64);

function standIn(grant: GrantSizing): Pick<RotationGrant, 'secretArn' | 'userName'> {
  return {
    secretArn: secretArnPattern(
      LONGEST_ARN_PARTS,
      isUnresolved(grant.secretName) ? LONGEST_SECRET_NAME : grant.secretName,
    ),
    userName: isUnresolved(grant.configuredUserName) ? LONGEST_USER_NAME : grant.configuredUserName,
  };
}

/**
 * Policies are sized by adding up their grants, without writing each candidate policy out: a policy holding grants
 * g1..gn is `EMPTY + share(g1) + ... + share(gn) + 2(n-1)` characters, one comma in each of its two lists per grant
 * after the first (test/lib/grant-policy.test.ts checks the sum against grantPolicySize).
 */
const EMPTY_POLICY_SIZE = grantPolicySize([]);
const SEPARATORS_PER_GRANT = 2;

/** What one grant adds to a policy, in characters, before separators. */
export function grantShare(grant: GrantSizing): number {
  return grantPolicySize([grant]) - EMPTY_POLICY_SIZE;
}

/**
 * Fills policies in order, each up to IAM's size limit: a grant goes to the current policy if it fits, else to a new
 * one. A grant too large for a policy of its own still takes one (the construct's validation reports it).
 */
export class PolicyFill {
  /** Policies started so far. */
  policies = 0;
  /** The size of the last policy, in characters. */
  size = 0;

  /** Adds a grant of `share` characters (grantShare); true when it starts a new policy. */
  add(share: number): boolean {
    if (this.policies > 0 && this.size + SEPARATORS_PER_GRANT + share <= MANAGED_POLICY_SIZE_LIMIT) {
      this.size += SEPARATORS_PER_GRANT + share;
      return false;
    }
    this.policies += 1;
    this.size = EMPTY_POLICY_SIZE + share;
    return true;
  }
}

/** How many policies grants of these shares fill, in this order. */
export function policiesNeeded(shares: readonly number[]): number {
  const fill = new PolicyFill();
  for (const share of shares) fill.add(share);
  return fill.policies;
}
