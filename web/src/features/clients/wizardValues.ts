import type { Dayjs } from "dayjs";

/** What the wizard's form holds across its four steps. */
export interface FormValues {
  collectionPurpose?: string;
  source?: string;
  acquiredAt?: Dayjs;
  fields?: Record<string, string | number | null>;
  consent?: {
    method?: string;
    evidenceRef?: string;
    purposes?: string[];
    sensitiveConsent?: boolean;
    notified?: boolean;
  };
}

/** Which form items each step validates before moving on. */
export const stepItems: Record<number, (string | string[])[]> = {
  0: ["collectionPurpose", "source", "acquiredAt"],
  2: [
    ["consent", "notified"],
    ["consent", "method"],
    ["consent", "evidenceRef"],
    ["consent", "purposes"],
    ["consent", "sensitiveConsent"],
  ],
};
