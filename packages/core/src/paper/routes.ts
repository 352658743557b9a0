import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { CheckinRequest, CheckoutRequest, DestroyPaperRequest, PaperIdParams, PaperQuery, RegisterPaperFile, RevealPaperRequest, RevealedPaper } from "./files.ts";

const PaperFileView = z.object({ id: z.string(), clientId: z.string(), tier: z.number(), tierLabel: z.object({ zh: z.string(), en: z.string() }), status: z.string(), location: z.string(), custodianId: z.string() }).loose();

export const paperRoutes = defineRoutes([
  { method: "POST", path: "/paper-files", handler: "paper.register", auth: "staff", needsAgreement: true, action: "paper.register", summary: "Register a physical file: what it is, its tier label, cabinet and custodian", body: RegisterPaperFile, success: { status: 201, schema: PaperFileView } },
  { method: "GET", path: "/paper-files", handler: "paper.list", auth: "staff", needsAgreement: true, action: "paper.list", summary: "The paper-file register (compliance: all; others: own branch)", query: PaperQuery, success: { status: 200, schema: z.object({ items: z.array(PaperFileView) }) } },
  { method: "POST", path: "/paper-files/{id}/checkout", handler: "paper.checkout", auth: "staff", needsAgreement: true, action: "paper.checkout", summary: "Check a file out of its cabinet, for a purpose", params: PaperIdParams, body: CheckoutRequest, success: { status: 200, schema: PaperFileView } },
  { method: "POST", path: "/paper-files/{id}/checkin", handler: "paper.checkin", auth: "staff", needsAgreement: true, action: "paper.checkin", summary: "Return a file to its cabinet", params: PaperIdParams, body: CheckinRequest, success: { status: 200, schema: PaperFileView } },
  { method: "POST", path: "/paper-files/{id}/destroy", handler: "paper.destroy", auth: "staff", needsAgreement: true, action: "paper.destroy", summary: "Record a file's shredding, with a witness", params: PaperIdParams, body: DestroyPaperRequest, success: { status: 200, schema: PaperFileView } },
  { method: "POST", path: "/paper-files/{id}/reveal", handler: "paper.reveal", auth: "staff", needsAgreement: true, discloses: true, action: "paper.reveal", summary: "A paper file's description and location in clear, for a purpose (decided like a tier-2 field; audited first)", params: PaperIdParams, body: RevealPaperRequest, missingCodes: { purpose: "purpose_required" }, success: { status: 200, schema: RevealedPaper } },
  { method: "GET", path: "/paper-files/{id}/label", handler: "paper.label", auth: "staff", needsAgreement: true, action: "paper.label", summary: "A paper file's printable cover label (PDF): tier mark, register number, custodian and a QR code of the entry's id; no client data", params: PaperIdParams, success: { status: 200, contentType: "application/pdf" } },
]);
