import { createCipheriv, createHmac, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ephemeralP256, p256PublicKey, spkiDer, verifySignature } from '../../../protocol/dtls/keys.ts';
import { masterSecret, prf, pskPreMasterSecret, verifyData } from '../../../protocol/dtls/prf.ts';
import { additionalData, cidAdditionalData, seqNum } from '../../../protocol/dtls/record.ts';
import { AeadCipher, aeadOpen, aeadSeal, CbcHmacCipher } from '../../../protocol/dtls/record-cipher.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  it('matches the P_SHA256 test vector published on the IETF TLS list (msg03416)', () => {
    const out = prf(hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    expect(out.toString('hex')).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('derives master secret, extended master secret and verify_data from their labels', () => {
    const pms = Buffer.alloc(48, 1);
    const cr = Buffer.alloc(32, 2);
    const sr = Buffer.alloc(32, 3);
    expect(masterSecret(pms, cr, sr, undefined)).toEqual(prf(pms, 'master secret', Buffer.concat([cr, sr]), 48));
    const sessionHash = Buffer.alloc(32, 4);
    expect(masterSecret(pms, cr, sr, sessionHash)).toEqual(prf(pms, 'extended master secret', sessionHash, 48)); // RFC 7627 §4
    expect(verifyData(pms, true, sessionHash)).toEqual(prf(pms, 'client finished', sessionHash, 12));
    expect(verifyData(pms, false, sessionHash)).toHaveLength(12);
  });
});

describe('PSK pre-master secret (RFC 4279 §2)', () => {
  it('is uint16 N ‖ N zeros ‖ uint16 N ‖ psk', () => {
    expect(pskPreMasterSecret(hex('aabbcc')).toString('hex')).toBe('0003' + '000000' + '0003' + 'aabbcc');
  });
});

describe('AES-128-CCM_8 (RFC 3610 §8)', () => {
  const key = hex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
  it.each([
    ['#1', '00000003020100a0a1a2a3a4a5', '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0'],
    ['#2', '00000004030201a0a1a2a3a4a5', '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916'],
  ])('packet vector %s seals and opens', (_n, nonce, plain, sealed) => {
    const aad = hex('0001020304050607');
    expect(aeadSeal('ccm8', key, hex(nonce), aad, hex(plain)).toString('hex')).toBe(sealed);
    expect(aeadOpen('ccm8', key, hex(nonce), aad, hex(sealed))?.toString('hex')).toBe(plain);
    const tampered = hex(sealed);
    tampered[3] ^= 1;
    expect(aeadOpen('ccm8', key, hex(nonce), aad, tampered)).toBeUndefined();
    expect(aeadOpen('ccm8', key, hex(nonce), hex('0001020304050608'), hex(sealed))).toBeUndefined();
  });
});

describe('AES-128-GCM (McGrew & Viega test case 4)', () => {
  it('seals and opens with AAD', () => {
    const key = hex('feffe9928665731c6d6a8f9467308308');
    const iv = hex('cafebabefacedbaddecaf888');
    const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const plain = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const sealed = '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' + '5bc94fbc3221a5db94fae95ae7121a47';
    expect(aeadSeal('gcm', key, iv, aad, plain).toString('hex')).toBe(sealed);
    expect(aeadOpen('gcm', key, iv, aad, hex(sealed))).toEqual(plain);
  });
});

describe('AEAD record protection (RFC 6655 §3, RFC 6347 §4.1.2.1)', () => {
  it('uses nonce = salt ‖ epoch ‖ seq, sends the explicit part, and authenticates epoch ‖ seq ‖ type ‖ version ‖ length', () => {
    const key = Buffer.alloc(16, 7);
    const salt = hex('01020304');
    const c = new AeadCipher('ccm8', key, salt);
    const sn = seqNum(1, 5);
    const ad = additionalData(23, 0xfefd, 1, 5);
    const plain = Buffer.from('hello');
    const fragment = c.seal(sn, ad, plain);
    expect(ad(5).toString('hex')).toBe('0001000000000005' + '17' + 'fefd' + '0005');
    expect(fragment.subarray(0, 8)).toEqual(sn);
    expect(fragment.subarray(8)).toEqual(aeadSeal('ccm8', key, Buffer.concat([salt, sn]), ad(5), plain));
    expect(fragment.length).toBe(8 + 5 + 8);
    expect(c.open(sn, ad, fragment)).toEqual(plain);
    expect(c.open(sn, additionalData(22, 0xfefd, 1, 5), fragment)).toBeUndefined(); // another content type
    expect(c.open(sn, ad, fragment.subarray(0, 10))).toBeUndefined(); // truncated
  });

  it('builds the RFC 9146 §5 additional data for tls12_cid records', () => {
    const ad = cidAdditionalData(0xfefd, 1, 2, hex('aabb'));
    expect(ad(9).toString('hex')).toBe('ffffffffffffffff' + '19' + '02' + '19' + 'fefd' + '0001' + '000000000002' + 'aabb' + '0009');
  });
});

describe('AES-128-CBC + HMAC-SHA256 (RFC 5246 §6.2.3.2)', () => {
  it('HMAC-SHA256 and AES-128-CBC match RFC 4231 test case 2 and SP 800-38A F.2.1', () => {
    expect(createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const c = createCipheriv('aes-128-cbc', hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('000102030405060708090a0b0c0d0e0f')).setAutoPadding(false);
    expect(c.update(hex('6bc1bee22e409f96e93d7e117393172a')).toString('hex')).toBe('7649abac8119b246cee98e9b12e9197d');
  });

  it('MAC-then-encrypt round-trips every plaintext length across block boundaries and rejects tampering', () => {
    const c = new CbcHmacCipher(Buffer.alloc(32, 1), Buffer.alloc(16, 2));
    const sn = seqNum(1, 9);
    const ad = additionalData(23, 0xfefd, 1, 9);
    for (let n = 0; n < 40; n++) {
      const plain = Buffer.alloc(n, n);
      const fragment = c.seal(sn, ad, plain);
      expect(fragment.length % 16).toBe(0);
      expect(c.open(sn, ad, fragment)).toEqual(plain);
      const bad = Buffer.from(fragment);
      bad[bad.length - 1] ^= 0x01; // padding byte
      expect(c.open(sn, ad, bad)).toBeUndefined();
      const bad2 = Buffer.from(fragment);
      bad2[16] ^= 0x80; // first ciphertext block
      expect(c.open(sn, ad, bad2)).toBeUndefined();
    }
    expect(c.open(sn, ad, Buffer.alloc(63))).toBeUndefined();
    expect(c.open(sn, ad, Buffer.alloc(64))).toBeUndefined();
  });

  it('accepts the longest padding a peer may send (255 bytes, RFC 5246 §6.2.3.2) and refuses it with a wrong MAC', () => {
    const macKey = Buffer.alloc(32, 1);
    const encKey = Buffer.alloc(16, 2);
    const c = new CbcHmacCipher(macKey, encKey);
    const sn = seqNum(1, 3);
    const ad = additionalData(23, 0xfefd, 1, 3);
    const plain = Buffer.from('sixteen bytes!!!');
    const seal = (mac: Buffer): Buffer => {
      const iv = Buffer.alloc(16, 7);
      const body = Buffer.concat([plain, mac, Buffer.alloc(256, 255)]);
      const cipher = createCipheriv('aes-128-cbc', encKey, iv).setAutoPadding(false);
      return Buffer.concat([iv, cipher.update(body), cipher.final()]);
    };
    const mac = createHmac('sha256', macKey).update(ad(plain.length)).update(plain).digest();
    expect(c.open(sn, ad, seal(mac))).toEqual(plain);
    mac[0] ^= 1;
    expect(c.open(sn, ad, seal(mac))).toBeUndefined();
  });
});

describe('ECDSA P-256 SHA-256 and ECDHE', () => {
  it('verifies the RFC 6979 §A.2.5 "sample" signature and rejects a modified one', () => {
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: hex('60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6').toString('base64url'), y: hex('7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299').toString('base64url') },
      format: 'jwk',
    });
    const sig = hex('EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8');
    expect(verify('sha256', Buffer.from('sample'), { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const der = Buffer.concat([hex('3046022100'), sig.subarray(0, 32), hex('022100'), sig.subarray(32)]);
    expect(verifySignature(Buffer.from('sample'), der, key)).toBe(true);
    expect(verifySignature(Buffer.from('sampLe'), der, key)).toBe(false);
    expect(verifySignature(Buffer.from('sample'), Buffer.from('garbage'), key)).toBe(false);
  });

  it('agrees on an ECDH secret and refuses a point off the curve', () => {
    const a = ephemeralP256();
    const b = ephemeralP256();
    expect(a.computeSecret(b.publicPoint)).toEqual(b.computeSecret(a.publicPoint));
    const off = Buffer.from(b.publicPoint);
    off[64] ^= 1;
    expect(() => a.computeSecret(off)).toThrow(/not on P-256/);
  });

  it('accepts only P-256 public keys', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(spkiDer(p256PublicKey(spkiDer(publicKey)))).toEqual(spkiDer(publicKey));
    const { publicKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => p256PublicKey(p384.export({ format: 'der', type: 'spki' }))).toThrow(/not an EC P-256/);
    expect(() => p256PublicKey(Buffer.from('nope'))).toThrow(/SubjectPublicKeyInfo/);
  });
});
