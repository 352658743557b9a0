import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { CheckinRequest, CheckoutRequest, DestroyPaperRequest, PaperIdParams, PaperQuery, RegisterPaperFile, RevealPaperRequest, RevealedPaper } from "./files.ts";
import { clientDataRoles } from "../access/policy.ts";

const PaperFileView = z.object({ id: z.string(), clientId: z.string(), tier: z.number(), tierLabel: z.object({ zh: z.string(), en: z.string() }), status: z.string(), location: z.string(), custodianId: z.string() }).loose();

export const paperRoutes = defineRoutes([
  { method: "POST", path: "/paper-files", handler: "paper.register", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "paper.register", summary: "Register a physical file: what it is, its tier label, cabinet and custodian", body: RegisterPaperFile, success: { status: 201, schema: PaperFileView }, refuses: ["client_not_found", "client_destroyed", "not_found", "invalid_state"] },
  { method: "GET", path: "/paper-files", handler: "paper.list", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "paper.list", summary: "The paper-file register (compliance: all; others: own branch)", query: PaperQuery, success: { status: 200, schema: z.object({ items: z.array(PaperFileView) }) } },
  { method: "POST", path: "/paper-files/{id}/checkout", handler: "paper.checkout", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "paper.checkout", summary: "Check a file out of its cabinet, for a purpose", params: PaperIdParams, body: CheckoutRequest, success: { status: 200, schema: PaperFileView }, refuses: ["not_found", "invalid_state", "conflict"] },
  { method: "POST", path: "/paper-files/{id}/checkin", handler: "paper.checkin", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "paper.checkin", summary: "Return a file to its cabinet", params: PaperIdParams, body: CheckinRequest, success: { status: 200, schema: PaperFileView }, refuses: ["not_found", "invalid_state", "conflict"] },
  { method: "POST", path: "/paper-files/{id}/destroy", handler: "paper.destroy", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "paper.destroy", summary: "Record a file's shredding, with a witness", params: PaperIdParams, body: DestroyPaperRequest, success: { status: 200, schema: PaperFileView }, refuses: ["not_found", "invalid_state", "conflict"] },
  { method: "POST", path: "/paper-files/{id}/reveal", handler: "paper.reveal", roles: clientDataRoles, auth: "staff", needsAgreement: true, discloses: true, action: "paper.reveal", summary: "A paper file's description and location in clear, for a purpose (decided like a tier-2 field; audited first)", params: PaperIdParams, body: RevealPaperRequest, missingCodes: { purpose: "purpose_required" }, success: { status: 200, schema: RevealedPaper }, refuses: ["not_found", "invalid_state"] },
]);
