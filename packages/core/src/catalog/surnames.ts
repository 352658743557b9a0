/**
 * Chinese compound surnames (复姓): a name that begins with one of these has a two-character
 * surname, so the dedupe hint of 欧阳娜娜 is 欧阳, not 欧. The one list the registration (and anything
 * else deriving a surname) reads; longest match first is unnecessary, every entry is two characters.
 */
export const compoundSurnames: readonly string[] = [
  "欧阳",
  "司马",
  "诸葛",
  "上官",
  "司徒",
  "东方",
  "皇甫",
  "夏侯",
  "尉迟",
  "公孙",
  "慕容",
  "长孙",
  "宇文",
  "令狐",
  "澹台",
  "万俟",
  "轩辕",
  "端木",
  "南宫",
  "闻人",
  "呼延",
  "独孤",
  "司空",
  "西门",
  "申屠",
  "太史",
  "公冶",
  "濮阳",
  "淳于",
  "赫连",
  "钟离",
  "宗政",
  "公羊",
  "东郭",
  "百里",
  "左丘",
  "拓跋",
  "第五",
  "谷梁",
  "段干",
  "羊舌",
  "微生",
  "梁丘",
  "东门",
  "仲孙",
  "叔孙",
  "乐正",
  "漆雕",
  "壤驷",
  "公良",
  "夹谷",
  "宰父",
  "巫马",
  "鲜于",
  "亓官",
  "司寇",
  "子车",
  "颛孙",
  "南门",
  "公西",
  "东里",
  "太叔",
];

/**
 * The surname of a Chinese full name: two characters for a compound surname, else the first
 * character (a name in Latin letters yields its first letter, as before).
 */
export function surnameOf(fullName: string): string {
  const name = fullName.trim();
  const chars = [...name];
  const two = chars.slice(0, 2).join("");
  // A two-character name is a surname and a given name, not a compound surname alone (e.g. 司马 the person).
  if (chars.length > 2 && compoundSurnames.includes(two)) return two;
  return chars.slice(0, 1).join("");
}
