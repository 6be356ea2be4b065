/**
 * TILL_DEVICES=auto: which USB HID devices are opened without being configured.
 *
 * A HID interface on the POS "Bar Code Scanner" usage page (0x8C) is a HID POS scanner by
 * definition, whoever made it. Besides those, the models below are known to be HID POS
 * scanners even where the platform's HID backend does not report usage pages.
 *
 * Keyboard interfaces are never opened automatically, whatever their maker: the one plugged in
 * may be the cashier's keyboard, and a keyboard-mode reader read by the till stops typing.
 * Configure those explicitly (TILL_SCANNERS hid:<vid>:<pid>?mode=keyboard).
 */
import type { HidDeviceInfo } from '../../native/scanners/hid.js';
import { HID_POS_USAGE_PAGE } from '../../native/scanners/hidpos.js';

/** USB vendor IDs of barcode scanner makers, for descriptions. */
export const SCANNER_VENDORS: ReadonlyMap<number, string> = new Map([
  [0x0c2e, 'Honeywell (Metrologic)'],
  [0x0536, 'Honeywell (Hand Held Products)'],
  [0x05e0, 'Zebra (Symbol)'],
  [0x05f9, 'Datalogic'],
  [0x1eab, 'Newland'],
]);

/** Scanner models known to present a HID POS interface (vendor, product). */
export const KNOWN_HID_POS_SCANNERS: ReadonlyArray<{ vendorId: number; productId: number; name: string }> = [
  { vendorId: 0x0c2e, productId: 0x0b61, name: 'Honeywell scanner in HID POS mode' },
];

export function isAutoDetectedScanner(d: HidDeviceInfo): boolean {
  if (typeof d.path !== 'string' || d.path.length === 0) return false;
  if (d.usagePage === HID_POS_USAGE_PAGE) return true;
  if (d.usagePage) return false; // a known usage page that is not HID POS: a keyboard, a mouse ...
  return KNOWN_HID_POS_SCANNERS.some((k) => k.vendorId === d.vendorId && k.productId === d.productId);
}

export function vendorName(vendorId: number): string | null {
  return SCANNER_VENDORS.get(vendorId) ?? null;
}
