/** ESC/POS receipt printers: TILL_PRINTER parsing, transports, real-time status. */
export * from './config.js';
export * from './status.js';
export * from './transport.js';
export * from './printer.js';
export { TcpTransport } from './tcp.js';
export { SerialTransport } from './serial.js';
export { FileTransport } from './file.js';
