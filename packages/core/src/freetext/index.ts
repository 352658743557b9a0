export * from "./scan.ts";
export * from "./schemas.ts";
export {
  sealNote,
  getNote,
  openFreeText,
  notesOf,
  destroyNotesOf,
  maskedText,
  freeTextBinding,
  type NoteOwner,
  type NoteRecord,
} from "./notes.ts";
