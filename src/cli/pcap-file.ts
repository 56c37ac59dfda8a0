// Writes classic libpcap files (the format tcpdump -r and Wireshark read): a 24-byte global header,
// then per packet a 16-byte record header and the captured bytes. Pure: returns Buffers.

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL = 113;

export function pcapGlobalHeader(linkType: number, snapLen = 65535): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0); // magic, microsecond timestamps
  b.writeUInt16LE(2, 4);          // version 2.4
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);           // thiszone
  b.writeUInt32LE(0, 12);         // sigfigs
  b.writeUInt32LE(snapLen, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

export function pcapRecord(tsMs: number, data: Uint8Array, origLen = data.length): Buffer {
  const h = Buffer.alloc(16);
  const sec = Math.floor(tsMs / 1000);
  h.writeUInt32LE(sec >>> 0, 0);
  h.writeUInt32LE(Math.round((tsMs - sec * 1000) * 1000), 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(origLen, 12);
  return Buffer.concat([h, data]);
}
