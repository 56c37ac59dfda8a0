// A bad value for one field or argument. The message is the problem only ("port must be
// 1..65535"); the caller adds the context (config field path or CLI flag) and the value, so
// the same validators serve the config file and the command line.

export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** JSON-quote a value for an error message, truncated so one line stays one short line. */
export function quote(value: unknown, max = 80): string {
  let s: string;
  try {
    s = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  if (s.length > max) s = `${s.slice(0, max - 3)}...`;
  return s;
}

/** Collapse a message to a single line (error messages are printed as one line). */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A field name from untrusted input (a config key) as it appears in an error path: plain names
 *  as they are, anything else (control characters, quotes, very long) JSON-quoted and truncated. */
export function fieldName(key: string): string {
  return /^[A-Za-z0-9_$-]{1,64}$/.test(key) ? key : quote(key, 40);
}
