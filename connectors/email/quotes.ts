/**
 * Lines that introduce the quoted history of a reply, in the forms common clients write them: Gmail and Apple
 * Mail ("On … wrote:", also wrapped over two lines, and in French, German, Spanish, Italian, Dutch,
 * Portuguese), Outlook ("-----Original Message-----", or a rule then "From:"), and forwarded-message banners.
 */
const QUOTE_HEADERS = [
  /^On .{1,300}wrote:\s*$/m,
  /^(Le|Am|El|Il|Op|Em) .{1,300}(a écrit|schrieb|escribió|ha scritto|schreef|escreveu).{0,300}:\s*$/m,
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)\s*-{2,}\s*$/im,
  /^_{10,}\s*\n(From|Von|De):/m,
  /^From: .+\n(Sent|Date|Gesendet): .+$/m,
];

/**
 * Pure: the new part of a reply, without the history it quotes (the lines above). Where a reply cannot be
 * recognised, or the whole text is quotation, the text is kept as it is: nothing a customer wrote is lost.
 */
export function withoutQuotedHistory(text: string): string {
  const unwrapped = text.replace(/\r\n/g, '\n');
  // Joining keeps every character's position: one line break becomes one space.
  const joined = unwrappedJoined(unwrapped);
  let cut = unwrapped.length;
  for (const pattern of QUOTE_HEADERS) {
    const found = pattern.exec(joined);
    if (found) cut = Math.min(cut, found.index);
  }
  const lines = unwrapped.slice(0, cut).split('\n');
  // A trailing block of "> " lines is quotation too (a reply typed above it).
  while (lines.length > 0 && /^\s*(>.*)?$/.test(lines.at(-1)!)) lines.pop();
  const kept = lines.join('\n').trimEnd();
  return kept.trim() === '' ? text.trim() : kept;
}

/** Gmail wraps "On <date> <name> <\naddress> wrote:" over two lines: joined with a space of the same length. */
function unwrappedJoined(text: string): string {
  return text.replace(/^(On .{1,300})\n(.{1,200}wrote:\s*)$/gm, '$1 $2');
}
