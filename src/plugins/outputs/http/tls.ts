/**
 * The `tls` sub-table (transport.md §1.5) as Node TLS client options. Heka's Go cipher names map to
 * OpenSSL's; SSL30 cannot be offered by Node and means the lowest version it supports (TLSv1).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import type { TlsConfig } from './config.js';

const CIPHERS: Readonly<Record<string, string>> = {
  RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
};

const VERSIONS: Readonly<Record<string, SecureVersion>> = {
  SSL30: 'TLSv1',
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

function pem(path: string, what: string): Buffer {
  const b = readFileSync(path);
  if (what === 'ca' && !b.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`No PEM encoded certificates found in: ${path}\n`);
  return b;
}

/** Throws Heka's messages for bad values (unreadable files, unknown cipher names). */
export function tlsClientOptions(t: TlsConfig | undefined): ConnectionOptions {
  const o: ConnectionOptions = {};
  if (t === undefined) return o;
  if (t.server_name) o.servername = t.server_name;
  if (t.insecure_skip_verify) o.rejectUnauthorized = false;
  if (t.root_cafile) o.ca = pem(t.root_cafile, 'ca');
  if (t.cert_file || t.key_file) {
    if (!t.cert_file || !t.key_file) throw new Error('TLS config requires both cert_file and key_file value.');
    o.cert = pem(t.cert_file, 'cert');
    o.key = pem(t.key_file, 'key');
  }
  if (t.min_version) o.minVersion = VERSIONS[t.min_version];
  if (t.max_version) o.maxVersion = VERSIONS[t.max_version];
  if (t.ciphers.length > 0) {
    o.ciphers = t.ciphers
      .map((c) => {
        const name = CIPHERS[c];
        if (name === undefined) throw new Error(`Invalid cipher string: ${c}`);
        return name;
      })
      .join(':');
  }
  return o;
}
