/** The sync protocol shared by the till's uploader and head office. */
export * from './protocol.js';
export * from './sign.js';
