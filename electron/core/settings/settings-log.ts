/** The logger the settings code writes to; any logger with these three methods fits. */
export interface SettingsLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
