import { ContentType, RECORD_HEADER_LENGTH } from './constants.ts';

/** One DTLSPlaintext / DTLSCiphertext record (RFC 6347 §4.1; RFC 9146 §4 when `cid` is set). */
export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  /** 48-bit sequence number. */
  seq: number;
  cid: Buffer | undefined;
  fragment: Buffer;
}

/** Most records accepted in one datagram: beyond that the datagram is garbage. */
const MAX_RECORDS_PER_DATAGRAM = 32;

/**
 * Splits a datagram into records. A record that does not fit is dropped with everything after it (RFC 6347
 * §4.1.2.7: invalid records are discarded silently). `cidLength` is the length of the connection IDs this side
 * hands out (RFC 9146 §4: the receiver knows it); 0 when it hands out none.
 */
export function parseRecords(datagram: Buffer, cidLength: number): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let o = 0;
  while (o + RECORD_HEADER_LENGTH <= datagram.length && out.length < MAX_RECORDS_PER_DATAGRAM) {
    const type = datagram[o];
    const hasCid = type === ContentType.tls12Cid;
    const headerLength = RECORD_HEADER_LENGTH + (hasCid ? cidLength : 0);
    if ((hasCid && cidLength === 0) || o + headerLength > datagram.length) break;
    const version = datagram.readUInt16BE(o + 1);
    const epoch = datagram.readUInt16BE(o + 3);
    const seq = datagram.readUIntBE(o + 5, 6);
    const cid = hasCid ? datagram.subarray(o + 11, o + 11 + cidLength) : undefined;
    const length = datagram.readUInt16BE(o + headerLength - 2);
    const start = o + headerLength;
    if (start + length > datagram.length) break;
    out.push({ type, version, epoch, seq, cid, fragment: datagram.subarray(start, start + length) });
    o = start + length;
  }
  return out;
}

/** The 8-byte epoch ‖ sequence number (RFC 6347 §4.1.2.1). */
export function seqNum(epoch: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt16BE(epoch, 0);
  b.writeUIntBE(seq, 2, 6);
  return b;
}

export function encodeRecord(type: number, version: number, epoch: number, seq: number, fragment: Buffer, cid?: Buffer): Buffer {
  const cidLength = cid?.length ?? 0;
  const header = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + cidLength);
  header[0] = type;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(epoch, 3);
  header.writeUIntBE(seq, 5, 6);
  if (cid !== undefined) cid.copy(header, 11);
  header.writeUInt16BE(fragment.length, 11 + cidLength);
  return Buffer.concat([header, fragment]);
}

/** Additional data without a CID (RFC 5246 §6.2.3.3 as amended by RFC 6347 §4.1.2.1). */
export function additionalData(type: number, version: number, epoch: number, seq: number): (n: number) => Buffer {
  return (n) => {
    const b = Buffer.allocUnsafe(13);
    b.writeUInt16BE(epoch, 0);
    b.writeUIntBE(seq, 2, 6);
    b[8] = type;
    b.writeUInt16BE(version, 9);
    b.writeUInt16BE(n, 11);
    return b;
  };
}

/**
 * Additional data (AEAD) or MAC header (CBC) of a tls12_cid record (RFC 9146 §5): seq_num_placeholder ‖ tls12_cid ‖
 * cid_length ‖ tls12_cid ‖ version ‖ epoch ‖ sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext.
 */
export function cidAdditionalData(version: number, epoch: number, seq: number, cid: Buffer): (n: number) => Buffer {
  return (n) => {
    const b = Buffer.allocUnsafe(23 + cid.length);
    b.fill(0xff, 0, 8);
    b[8] = ContentType.tls12Cid;
    b[9] = cid.length;
    b[10] = ContentType.tls12Cid;
    b.writeUInt16BE(version, 11);
    b.writeUInt16BE(epoch, 13);
    b.writeUIntBE(seq, 15, 6);
    cid.copy(b, 21);
    b.writeUInt16BE(n, 21 + cid.length);
    return b;
  };
}

/** DTLSInnerPlaintext (RFC 9146 §4): content ‖ real type ‖ zero padding. */
export function innerPlaintext(content: Buffer, type: number): Buffer {
  const b = Buffer.allocUnsafe(content.length + 1);
  content.copy(b);
  b[content.length] = type;
  return b;
}

/** Inverse of `innerPlaintext`: strips zero padding; undefined when no content type remains. */
export function parseInnerPlaintext(inner: Buffer): { type: number; content: Buffer } | undefined {
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return undefined;
  return { type: inner[i], content: inner.subarray(0, i) };
}
