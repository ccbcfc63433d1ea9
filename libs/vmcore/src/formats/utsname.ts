/**
 * struct new_utsname: six NUL-terminated char[65] fields (include/uapi/linux/utsname.h), as in
 * the kdump-compressed header and in the kernel's init_uts_ns.name.
 */
export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

export const UTSNAME_FIELD_LENGTH = 65; // __NEW_UTS_LEN + 1
export const UTSNAME_SIZE = 6 * UTSNAME_FIELD_LENGTH;

const FIELDS = ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const;

/** Decode a 390-byte new_utsname. */
export function parseUtsname(bytes: Uint8Array): Utsname {
  const out = {} as Utsname;
  FIELDS.forEach((f, i) => {
    out[f] = cString(bytes.subarray(i * UTSNAME_FIELD_LENGTH, (i + 1) * UTSNAME_FIELD_LENGTH));
  });
  return out;
}

/** Bytes up to the first NUL, decoded as UTF-8 (invalid sequences replaced). */
export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return new TextDecoder('utf-8', { fatal: false }).decode(
    nul >= 0 ? bytes.subarray(0, nul) : bytes,
  );
}
