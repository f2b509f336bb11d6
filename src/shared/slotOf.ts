/** Slots of a Redis Cluster: a key's slot is CRC16 of its hash tag (or the whole key) mod 16384. */
export const SLOTS = 16_384;

let table: Uint16Array | undefined;

/** CRC16/XMODEM (polynomial 0x1021), the variant Redis Cluster uses, one byte at a time. */
function tableOf(): Uint16Array {
  if (table !== undefined) return table;
  table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
}

/**
 * The slot Redis Cluster gives `key`, by its own rule: when the key holds a `{` followed
 * later by a `}` with at least one byte between them, only those bytes (the hash tag) are
 * hashed, so keys that share a tag share a slot. Computed on the key's UTF-8 bytes, as
 * Redis sees them.
 */
export function slotOf(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  const crcTable = tableOf();
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ (crcTable[((crc >> 8) ^ bytes[i]!) & 0xff] ?? 0)) & 0xffff;
  return crc % SLOTS;
}
