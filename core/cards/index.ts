/** Card codes (DOMAIN.md 2): check digits, scanner clean-up, NFC UIDs, signed member QR, classification. */
export * from './errors.js';
export * from './checkdigit.js';
export * from './symbology.js';
export * from './uid.js';
export * from './memberqr.js';
export * from './classify.js';
