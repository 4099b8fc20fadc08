// Errors in the Docker Engine's own format (HTTP status + {"message": ...}), so the docker CLI prints
// "Error response from daemon: <message>" exactly as it would for the engine's own errors.

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** Every message Socket Warden writes starts with this, where Docker Desktop says "enhanced container isolation". */
export const MESSAGE_PREFIX = 'socket-warden: ';

export function engineErrorBody(message: string): string {
  return `${JSON.stringify({ message })}\n`;
}

/** A complete HTTP/1.1 response carrying an engine-style error. HEAD gets the head only. */
export function engineErrorResponse(
  status: number,
  message: string,
  options: { head?: boolean; close?: boolean } = {},
): Buffer {
  const body = engineErrorBody(message);
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Server: socket-warden',
  ];
  if (options.close) lines.push('Connection: close');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${options.head ? '' : body}`, 'utf8');
}
