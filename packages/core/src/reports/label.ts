import { PDFDocument, rgb, type PDFPage } from "pdf-lib";
import QRCode from "qrcode";
import { stampPdf } from "../documents/watermark.ts";
import { pdfText, type PdfText } from "./fonts.ts";

/**
 * A paper file's cover label, printed and stuck on the folder: the plan's tier mark, the register
 * number, the named custodian and a QR code of the register entry's id, which the console's scanner
 * (or any phone) turns back into the entry. Nothing on it is the client's: a lost folder's label
 * tells a finder only that it is confidential and whom it belongs to.
 */
export interface PaperLabel {
  /** 绝密 / 机密 / 敏感 and its English. */
  tier: { zh: string; en: string; level: 1 | 2 | 3 };
  /** The register entry's id: printed, and what the QR code holds. */
  registerNo: string;
  custodian: string;
  tenant: string;
  printedAt: string;
  watermark: string;
}

/** 100 × 70 mm, a folder label's size. */
const SIZE: [number, number] = [283.46, 198.43];
const M = 14;
const TIER_COLOUR = { 1: rgb(0.75, 0.07, 0.07), 2: rgb(0.85, 0.4, 0.05), 3: rgb(0.15, 0.35, 0.65) } as const;
const INK = rgb(0.1, 0.1, 0.12);
const GREY = rgb(0.4, 0.4, 0.45);
const MARK_SIZE = 30;

/** The QR code's dark modules, row by row (error correction M: a scuffed label still scans). */
export function qrModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  return Array.from({ length: modules.size }, (_, r) =>
    Array.from({ length: modules.size }, (_, c) => Boolean(modules.get(r, c))),
  );
}

export async function drawLabel(label: PaperLabel): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`纸质档案标签 Paper file label · ${label.registerNo}`);
  pdf.setProducer("Keyhold");
  const t = await pdfText(pdf);
  const page = pdf.addPage(SIZE);
  const [width, height] = SIZE;
  page.drawRectangle({ x: 4, y: 4, width: width - 8, height: height - 8, borderColor: INK, borderWidth: 0.8 });
  await drawTierMark(t, page, label.tier);
  drawQr(page, label.registerNo);
  await drawLines(t, page, label);
  await stampPdf(pdf, label.watermark);
  return pdf.save();
}

/** The tier mark: large, in its colour, boxed, as the plan asks files to be marked. */
async function drawTierMark(t: PdfText, page: PDFPage, tier: PaperLabel["tier"]) {
  const height = SIZE[1];
  const colour = TIER_COLOUR[tier.level];
  const markWidth = await t.width(tier.zh, MARK_SIZE);
  page.drawRectangle({
    x: M,
    y: height - M - MARK_SIZE - 10,
    width: markWidth + 16,
    height: MARK_SIZE + 10,
    borderColor: colour,
    borderWidth: 2,
  });
  await t.draw(page, tier.zh, { x: M + 8, y: height - M - MARK_SIZE - 1, size: MARK_SIZE, color: colour });
  await t.draw(page, tier.en.toUpperCase(), { x: M, y: height - M - MARK_SIZE - 24, size: 8, color: colour });
}

/** The QR code of the register number on the right, with its quiet zone: one rectangle per run of dark modules. */
function drawQr(page: PDFPage, registerNo: string) {
  const [width, height] = SIZE;
  const modules = qrModules(registerNo);
  const qrSide = 96;
  const cell = qrSide / (modules.length + 8);
  const qx = width - M - qrSide;
  const qy = height - M - qrSide;
  modules.forEach((row, r) => {
    let c = 0;
    while (c < row.length) {
      if (!row[c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < row.length && row[c]) c++;
      page.drawRectangle({
        x: qx + (start + 4) * cell,
        y: qy + qrSide - (r + 5) * cell,
        width: (c - start) * cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  });
}

/** The captioned lines under the mark, and the handling notes at the foot. */
async function drawLines(t: PdfText, page: PDFPage, label: PaperLabel) {
  let y = SIZE[1] - M - MARK_SIZE - 44;
  const line = async (caption: string, value: string, size = 9) => {
    await t.draw(page, caption, { x: M, y, size: 6.5, color: GREY });
    y -= size + 2;
    await t.draw(page, value, { x: M, y, size, color: INK });
    y -= 12;
  };
  await line("登记号 Register No.", label.registerNo, 10);
  await line("保管人 Custodian", label.custodian);
  await line("品牌 Agency", label.tenant);
  await t.draw(page, `纸质档案 · 锁柜保管 · 借出须登记 Paper file: keep locked; sign out before use`, {
    x: M,
    y: 20,
    size: 6.5,
    color: GREY,
  });
  await t.draw(page, `不含客户个人信息 No client personal data · 打印于 printed ${label.printedAt}`, {
    x: M,
    y: 11,
    size: 6,
    color: GREY,
  });
}
