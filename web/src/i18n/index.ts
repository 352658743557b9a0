import i18n from "i18next";
import { initReactI18next, useTranslation } from "react-i18next";
import type { Lang } from "../api/problems.ts";
import { en } from "./en.ts";
import { zhCN } from "./zh-CN.ts";

/** The one thing the console keeps in localStorage: the interface language (no personal data). */
export const LANG_KEY = "keyhold.lang";
export type UiLanguage = "zh-CN" | "en";

function initialLanguage(): UiLanguage {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

void i18n.use(initReactI18next).init({
  resources: { "zh-CN": { translation: zhCN }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: "zh-CN",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(lang: UiLanguage) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

/** "zh" or "en": which half of a catalog label ({zh, en}) to show. */
export const langOf = (language: string | undefined): Lang => (language?.startsWith("en") ? "en" : "zh");

export function useLang(): Lang {
  const { i18n: instance } = useTranslation();
  return langOf(instance.language);
}

export default i18n;
