//! Byte-swapping `.BTF.ext` data in place, walking it as libbpf 1.7.0 does (`btf_ext_bswap_hdr`,
//! `btf_ext_bswap_info`): the header's fields, then each info sub-section — its record size, each
//! block's `sec_name_off` and `num_info`, and the known prefix of every record. Bytes outside
//! that walk (padding between sub-sections, the tail of records longer than libbpf knows) keep
//! their order, exactly as libbpf leaves them.
//!
//! The walk reads counts as it goes, so two sub-sections that overlap (which libbpf's checks
//! allow) are swapped twice where they overlap, as libbpf does. Where libbpf would then walk off
//! its buffer (a count read from already swapped bytes), this walk stops at the end of the data.

use super::parse::{BLOCK_HEADER_LEN, CORE_RELO_HEADER_LEN, InfoKind};

fn get(data: &[u8], off: usize) -> Option<u32> {
    let bytes = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Swaps the `u32` at `off`; returns its value before the swap, `None` when out of bounds.
fn swap_u32(data: &mut [u8], off: usize) -> Option<u32> {
    let v = get(data, off)?;
    data.get_mut(off..off + 4)?
        .copy_from_slice(&v.swap_bytes().to_ne_bytes());
    Some(v)
}

/// Swaps the header's fields. `native` says whether the header is in this machine's byte order
/// now. The data holds at least a whole minimal header (checked at parse).
pub(crate) fn swap_header(data: &mut [u8], native: bool) {
    if data.len() < 8 {
        return;
    }
    let raw_hdr_len = get(data, 4).unwrap_or(0);
    let hdr_len = if native {
        raw_hdr_len
    } else {
        raw_hdr_len.swap_bytes()
    };
    data.swap(0, 1);
    for off in [4, 8, 12, 16, 20] {
        swap_u32(data, off);
    }
    if hdr_len >= CORE_RELO_HEADER_LEN {
        swap_u32(data, 24);
        swap_u32(data, 28);
    }
}

/// Swaps every info sub-section; the header must be in this machine's byte order. `native` says
/// whether the sub-sections are in this machine's byte order now.
pub(crate) fn swap_infos(data: &mut [u8], native: bool) {
    let field = |data: &[u8], off| get(data, off).unwrap_or(0);
    let hdr_len = field(data, 4);
    let subs = [
        (InfoKind::Func, field(data, 8), field(data, 12)),
        (InfoKind::Line, field(data, 16), field(data, 20)),
    ];
    for (kind, off, len) in subs {
        swap_info(data, hdr_len, off, len, native, kind);
    }
    if hdr_len >= CORE_RELO_HEADER_LEN {
        let (off, len) = (field(data, 24), field(data, 28));
        swap_info(data, hdr_len, off, len, native, InfoKind::CoreRelo);
    }
}

/// Swaps one info sub-section (`off` after the header, `len` bytes).
fn swap_info(data: &mut [u8], hdr_len: u32, off: u32, len: u32, native: bool, kind: InfoKind) {
    if len == 0 {
        return;
    }
    let Ok(start) = usize::try_from(u64::from(hdr_len) + u64::from(off)) else {
        return;
    };
    let Some(raw) = swap_u32(data, start) else {
        return;
    };
    let rec_size = if native { raw } else { raw.swap_bytes() } as usize;
    let words = (kind.min_rec_size() / 4) as usize;
    let mut pos = start + 4;
    let mut left = len.wrapping_sub(4);
    while left != 0 {
        let Some(raw_num) = get(data, pos + 4) else {
            return;
        };
        let num = if native {
            raw_num
        } else {
            raw_num.swap_bytes()
        };
        swap_u32(data, pos);
        swap_u32(data, pos + 4);
        let mut rec = pos + BLOCK_HEADER_LEN as usize;
        if rec_size == 0 {
            // Every record is the same bytes: swapped `num` times over.
            if num % 2 == 1 {
                for w in 0..words {
                    swap_u32(data, rec + 4 * w);
                }
            }
        } else {
            for _ in 0..num {
                if rec.saturating_add(4 * words) > data.len() {
                    return;
                }
                for w in 0..words {
                    swap_u32(data, rec + 4 * w);
                }
                rec += rec_size;
            }
        }
        pos = rec;
        let step = u64::from(BLOCK_HEADER_LEN) + rec_size as u64 * u64::from(num);
        left = left.wrapping_sub(step as u32);
    }
}
