// ConfigError: one line naming the file (or field path) and the problem. Never carries a stack
// the user needs to see; the CLI prints only the message.

export class ConfigError extends Error {
  constructor(message: string) {
    // one line whatever went into it (a file path or value with a control character)
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    this.name = 'ConfigError';
  }
}
