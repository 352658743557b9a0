import { KmsKeyringNode, getClient } from "@aws-crypto/client-node";
import { DescribeKeyCommand, KMS, KMSClient } from "@aws-sdk/client-kms";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { KeyringPort } from "./keyring.ts";

/** Every tenant key is reached through its alias, one per stage and tenant. */
export const tenantKeyAlias = (stage: string, tenantId: string) => `alias/keyhold/${stage}/${tenantId}`;

/**
 * KMS keyrings on each tenant's own key. The alias is resolved to the key ARN once, because the
 * encrypted data keys record the key ARN and a decrypting keyring must name the same ARN.
 */
export function kmsKeyrings(options: {
  stage: string;
  kms?: KMSClient;
  credentials?: AwsCredentialIdentityProvider;
}): KeyringPort {
  // A tenant's keyrings sign with the tenant's credentials (tenancy/sts.ts), for the alias lookup and the keyring's own calls alike.
  const kms = options.kms ?? new KMSClient({ credentials: options.credentials });
  const arns = new Map<string, Promise<string>>();
  const resolveArn = (tenantId: string) => {
    let arn = arns.get(tenantId);
    if (!arn) {
      arn = kms.send(new DescribeKeyCommand({ KeyId: tenantKeyAlias(options.stage, tenantId) })).then((r) => {
        if (!r.KeyMetadata?.Arn) throw new Error(`tenant key for ${tenantId} has no ARN`);
        return r.KeyMetadata.Arn;
      });
      arn.catch(() => arns.delete(tenantId));
      arns.set(tenantId, arn);
    }
    return arn;
  };
  const clientProvider = getClient(KMS, options.credentials ? { credentials: options.credentials } : {});
  return {
    name: `kms:${options.stage}`,
    async keyringFor(tenantId) {
      const arn = await resolveArn(tenantId);
      return new KmsKeyringNode({ generatorKeyId: arn, keyIds: [], clientProvider });
    },
  };
}
