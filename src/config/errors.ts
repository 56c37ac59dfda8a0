// ConfigError: one line naming the file (or field path) and the problem. Never carries a stack
// the user needs to see; the CLI prints only the message.

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
