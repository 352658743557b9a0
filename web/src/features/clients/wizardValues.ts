import type { Dayjs } from "dayjs";
import type { RegisterForm } from "./register.ts";

/** What the wizard's form holds across its four steps. */
export interface FormValues {
  collectionPurpose?: RegisterForm["collectionPurpose"];
  source?: RegisterForm["source"];
  acquiredAt?: Dayjs;
  fields?: Record<string, string | number | null>;
  consent?: {
    method?: RegisterForm["consent"]["method"];
    evidenceRef?: string;
    purposes?: RegisterForm["consent"]["purposes"];
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
