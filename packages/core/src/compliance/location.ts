/**
 * Where a deployment keeps personal information, as a fact the product states (the processing
 * register, `GET /compliance/register`): storing mainland residents' personal information outside
 * mainland China is a cross-border provision under PIPL (arts. 38–40). The stacks choose the region
 * from the same table (stacks/settings.ts), so what is deployed and what the register says agree.
 */

/** The AWS China regions: Beijing and Ningxia (the aws-cn partition, a separate AWS account). */
export const chinaRegions = ["cn-north-1", "cn-northwest-1"] as const;

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

/** A region's partition, as AWS names it in ARNs. */
export const partitionOf = (region: string): Partition =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";

/** In mainland China: the aws-cn partition's regions. */
export const isMainland = (region: string) => partitionOf(region) === "aws-cn";

export interface DataLocation {
  /** `aws`: a deployed stage; `local`: the offline ring, on the machine that runs it. */
  ring: "aws" | "local";
  /** The stage's region, or "this machine". */
  region: string;
  partition: Partition | null;
  /** Where the stage's backups are copied (KEYHOLD_BACKUP_REGION), or null when they stay in the region. */
  backupRegion: string | null;
  /** Whether personal information is stored outside mainland China: the region or the backup copies. */
  crossBorder: boolean;
  /** The same, said for the register's reader. */
  statement: { zh: string; en: string };
}

/** A deployed stage: its region (Lambda's AWS_REGION) and where its backups are copied. */
export function awsDataLocation(region: string, backupRegion?: string | null): DataLocation {
  const places = [region, ...(backupRegion ? [backupRegion] : [])];
  const abroad = places.filter((r) => !isMainland(r));
  const where = backupRegion ? `${region}（备份 ${backupRegion}）` : region;
  const whereEn = backupRegion ? `${region} (backups in ${backupRegion})` : region;
  return {
    ring: "aws",
    region,
    partition: partitionOf(region),
    backupRegion: backupRegion ?? null,
    crossBorder: abroad.length > 0,
    statement: abroad.length
      ? {
          zh: `个人信息存储于中国境外的 ${abroad.join("、")}（${where}）：属于向境外提供个人信息，须满足《个人信息保护法》第三十八条至第四十条`,
          en: `Personal information is stored outside mainland China in ${abroad.join(", ")} (${whereEn}): a cross-border provision under PIPL arts. 38–40`,
        }
      : {
          zh: `个人信息仅存储于中国境内（${where}），不出境`,
          en: `Personal information is stored only in mainland China (${whereEn}) and does not leave it`,
        },
  };
}

/**
 * The offline ring: everything stays on the machine that runs Keyhold (its data directory); Keyhold
 * sends none of it elsewhere. Where that machine stands, and where its operator writes a backup
 * (`npm run keyhold -- backup`), are the operator's facts.
 */
export const localDataLocation: DataLocation = {
  ring: "local",
  region: "this machine",
  partition: null,
  backupRegion: null,
  crossBorder: false,
  statement: {
    zh: "个人信息仅存储于运行 Keyhold 的本机（数据目录），Keyhold 不向其他地方发送；本机所在地及备份去向由运维人员负责",
    en: "Personal information is stored only on this machine (its data directory); Keyhold sends none of it elsewhere. Where this machine stands and where its backups go are its operator's to state",
  },
};
