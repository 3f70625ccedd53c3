//! `btf_parse_hdr`, `btf_check_sec_info` and `btf_parse_str_sec`: the header (magic, version,
//! flags, hdr_len and zeroed unknown bytes), the section table (no gap, no overlap, nothing
//! after the string section) and the string section rules.

use super::env::BTF_MAX_NAME_OFFSET;
use super::{E2BIG, EINVAL, ENOTSUPP, Rejection};

const HDR_SIZE: usize = 24;

/// The header as the kernel copies it: `min(hdr_len, 24)` bytes over zeroes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hdr {
    pub hdr_len: u32,
    pub type_off: u32,
    pub type_len: u32,
    pub str_off: u32,
    pub str_len: u32,
}

pub(super) fn plain(errno: i32, msg: &str) -> Rejection {
    Rejection {
        type_id: None,
        errno,
        message: msg.to_string(),
        context: None,
    }
}

fn rd32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(super) fn parse_hdr(data: &[u8], split: bool) -> Result<Hdr, Rejection> {
    if data.len() > u32::MAX as usize {
        return Err(plain(E2BIG, ""));
    }
    let size = data.len() as u32;
    if size < 8 {
        return Err(plain(EINVAL, "hdr_len not found"));
    }
    let raw_hdr_len = rd32(data, 4);
    if size < raw_hdr_len {
        return Err(plain(EINVAL, "btf_header not found"));
    }
    if raw_hdr_len as usize > HDR_SIZE
        && data[HDR_SIZE..raw_hdr_len as usize].iter().any(|&b| b != 0)
    {
        return Err(plain(E2BIG, "Unsupported btf_header"));
    }
    let mut h = [0u8; HDR_SIZE];
    let n = (raw_hdr_len as usize).min(HDR_SIZE);
    h[..n].copy_from_slice(&data[..n]);
    let magic = u16::from_ne_bytes([h[0], h[1]]);
    let hdr = Hdr {
        hdr_len: rd32(&h, 4),
        type_off: rd32(&h, 8),
        type_len: rd32(&h, 12),
        str_off: rd32(&h, 16),
        str_len: rd32(&h, 20),
    };
    if magic != 0xeb9f {
        return Err(plain(EINVAL, "Invalid magic"));
    }
    if h[2] != 1 {
        return Err(plain(ENOTSUPP, "Unsupported version"));
    }
    if h[3] != 0 {
        return Err(plain(ENOTSUPP, "Unsupported flags"));
    }
    if !split && size == hdr.hdr_len {
        return Err(plain(EINVAL, "No data"));
    }
    check_sec_info(&hdr, size)?;
    Ok(hdr)
}

/// `btf_check_sec_info`: the two sections sorted by (offset, length) with the kernel's comparator
/// (a wrapping difference read as `int`), then checked for gaps, overlap and trailing data.
fn check_sec_info(hdr: &Hdr, size: u32) -> Result<(), Rejection> {
    let a = (hdr.type_off, hdr.type_len);
    let b = (hdr.str_off, hdr.str_len);
    let cmp = |x: (u32, u32), y: (u32, u32)| -> i32 {
        let d = x.0.wrapping_sub(y.0) as i32;
        if d != 0 {
            d
        } else {
            x.1.wrapping_sub(y.1) as i32
        }
    };
    // The kernel's heapsort on two elements keeps them iff cmp(first, second) < 0.
    let secs = if cmp(a, b) < 0 { [a, b] } else { [b, a] };
    let expected_total = size.wrapping_sub(hdr.hdr_len);
    let mut total: u32 = 0;
    for (off, len) in secs {
        if expected_total < off {
            return Err(plain(EINVAL, "Invalid section offset"));
        }
        if total < off {
            return Err(plain(EINVAL, "Unsupported section found"));
        }
        if total > off {
            return Err(plain(EINVAL, "Section overlap found"));
        }
        if expected_total - total < len {
            return Err(plain(EINVAL, "Total section length too long"));
        }
        total += len;
    }
    if expected_total != total {
        return Err(plain(EINVAL, "Unsupported section found"));
    }
    Ok(())
}

/// `btf_parse_str_sec`: the string section ends the data, ends with NUL, fits the offset limit
/// and (standalone) starts with the empty string. Split BTF may have none.
pub(super) fn parse_str_sec<'a>(
    data: &'a [u8],
    hdr: &Hdr,
    split: bool,
) -> Result<&'a [u8], Rejection> {
    let start = hdr.hdr_len as u64 + hdr.str_off as u64;
    let end = start + hdr.str_len as u64;
    if end != data.len() as u64 {
        return Err(plain(EINVAL, "String section is not at the end"));
    }
    let s = &data[start as usize..end as usize];
    if split && s.is_empty() {
        return Ok(s);
    }
    if s.is_empty() || s.len() as u32 - 1 > BTF_MAX_NAME_OFFSET || s[s.len() - 1] != 0 {
        return Err(plain(EINVAL, "Invalid string section"));
    }
    if !split && s[0] != 0 {
        return Err(plain(EINVAL, "Invalid string section"));
    }
    Ok(s)
}
