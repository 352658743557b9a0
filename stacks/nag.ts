import { AspectPriority, Aspects, type IAspect } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { NagSuppressions } from "cdk-nag";
import { StaticSite, Stack } from "sst/constructs";

/**
 * cdk-nag suppressions, always on the construct that triggers the finding (never on a stack), each
 * with its rule id and a one-line reason. docs/infra.md lists every one ("cdk-nag suppressions"),
 * and test/infra.test.ts fails when a suppression is missing there.
 *
 * A rule is `[id, reason]`, or `[id, reason, appliesTo]` to suppress only some findings of the rule
 * on that construct (e.g. one IAM5 wildcard, not every wildcard the role might ever get).
 */
export type Suppression = readonly [id: string, reason: string, appliesTo?: readonly (string | { regex: string })[]];

export function suppress(construct: IConstruct, rules: readonly Suppression[], options: { children?: boolean } = {}) {
  if (!rules.length) return;
  NagSuppressions.addResourceSuppressions(
    construct,
    rules.map(([id, reason, appliesTo]) => ({ id, reason, ...(appliesTo ? { appliesTo: [...appliesTo] } : {}) })),
    options.children ?? false,
  );
}

const runtimeReason =
  "nodejs22.x is the runtime the design pins (supported until 2027-04; the same code runs on the Node 20 of development machines)";

/** Every Keyhold function: the runtime is chosen, not defaulted. */
export const runtimeFindings: readonly Suppression[] = [
  ["AwsSolutions-L1", runtimeReason],
  ["Serverless-LambdaLatestVersion", runtimeReason],
];

/** A route's function: API Gateway invokes it synchronously. */
export const synchronousFindings: readonly Suppression[] = [
  [
    "Serverless-LambdaDLQ",
    "invoked synchronously by API Gateway: a failure is the caller's answer (problem+json), there is no event to dead-letter",
  ],
];

const sstHandler =
  "SST's own custom-resource handler, run by CloudFormation at deploy time only (stack metadata, uploads); SST chooses its runtime and role";
const sstUploader =
  "SST's deploy-time uploader copies the console's build, file by file, from the CDK asset bucket into the console bucket";

/**
 * What SST adds on its own: every stack's custom-resource handler (and its role), and the static
 * site's uploader policy, which SST creates only while the app finishes. An aspect that runs before
 * cdk-nag's (mutating priority) puts the suppressions on those constructs, found by the ids SST
 * gives them; sst.config.ts adds it.
 */
export class SstInternalsSuppressions implements IAspect {
  visit(node: IConstruct) {
    const parent = node.node.scope;
    if (node.node.id === "CustomResourceHandler" && parent instanceof Stack) {
      suppress(
        node,
        [
          ["AwsSolutions-L1", sstHandler],
          ["Serverless-LambdaLatestVersion", sstHandler],
          [
            "Serverless-LambdaDLQ",
            `${sstHandler}; CloudFormation calls it synchronously and fails the deploy on an error`,
          ],
          [
            "AwsSolutions-IAM4",
            `${sstHandler}; AWSLambdaBasicExecutionRole lets it write its own logs`,
            [
              {
                regex: "/^Policy::arn:<AWS::Partition>:iam::aws:policy\\/service-role\\/AWSLambdaBasicExecutionRole$/",
              },
            ],
          ],
        ],
        { children: true },
      );
    }
    if (node.node.id === "S3UploaderPolicy" && parent instanceof StaticSite) {
      suppress(node, [
        [
          "AwsSolutions-IAM5",
          sstUploader,
          [
            { regex: "/^Resource::<ConsoleBucket[A-Za-z0-9]+\\.Arn>\\/\\*$/" },
            { regex: "/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-\\d+-[a-z0-9-]+\\/\\*$/" },
          ],
        ],
      ]);
    }
  }
}

/** Adds the suppressions of SST's internals to the app, ahead of any cdk-nag pack. */
export function suppressSstInternals(app: IConstruct) {
  Aspects.of(app).add(new SstInternalsSuppressions(), { priority: AspectPriority.MUTATING });
}
