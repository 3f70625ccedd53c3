//! The verifier's view of the input: the parsed header, the own string and type sections, the
//! optional base, and type/string lookups across both (`btf_type_by_id`, `btf_str_by_offset`,
//! `btf_name_offset_valid`).

use super::Rejection;
use super::header::{self, Hdr};
use crate::Btf;

/// `BTF_MAX_TYPE`: the largest type id.
pub(super) const BTF_MAX_TYPE: u32 = 0x000f_ffff;
/// `BTF_MAX_NAME_OFFSET`: the largest string offset.
pub(super) const BTF_MAX_NAME_OFFSET: u32 = 0x00ff_ffff;

pub(super) const K_INT: u32 = 1;
pub(super) const K_PTR: u32 = 2;
pub(super) const K_ARRAY: u32 = 3;
pub(super) const K_STRUCT: u32 = 4;
pub(super) const K_UNION: u32 = 5;
pub(super) const K_ENUM: u32 = 6;
pub(super) const K_FWD: u32 = 7;
pub(super) const K_TYPEDEF: u32 = 8;
pub(super) const K_VOLATILE: u32 = 9;
pub(super) const K_CONST: u32 = 10;
pub(super) const K_RESTRICT: u32 = 11;
pub(super) const K_FUNC: u32 = 12;
pub(super) const K_FUNC_PROTO: u32 = 13;
pub(super) const K_VAR: u32 = 14;
pub(super) const K_DATASEC: u32 = 15;
pub(super) const K_FLOAT: u32 = 16;
pub(super) const K_DECL_TAG: u32 = 17;
pub(super) const K_TYPE_TAG: u32 = 18;
pub(super) const K_ENUM64: u32 = 19;
pub(super) const K_MAX: u32 = K_ENUM64;

static VOID: [u32; 3] = [0, 0, 0];

/// One type record: its id and its words (header, then as much tail as the input holds).
#[derive(Clone, Copy)]
pub(super) struct T<'a> {
    pub id: u32,
    pub w: &'a [u32],
}

impl<'a> T<'a> {
    pub fn word(&self, i: usize) -> u32 {
        self.w.get(i).copied().unwrap_or(0)
    }
    pub fn name_off(&self) -> u32 {
        self.word(0)
    }
    pub fn info(&self) -> u32 {
        self.word(1)
    }
    pub fn kind(&self) -> u32 {
        (self.info() >> 24) & 0x1f
    }
    pub fn vlen(&self) -> u32 {
        self.info() & 0xffff
    }
    pub fn kflag(&self) -> bool {
        self.info() >> 31 != 0
    }
    /// `size` or `type`, the header's third word.
    pub fn st(&self) -> u32 {
        self.word(2)
    }
    pub fn is_void(&self) -> bool {
        std::ptr::eq(self.w.as_ptr(), VOID.as_ptr())
    }
    pub fn is_modifier(&self) -> bool {
        matches!(
            self.kind(),
            K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG
        ) && !self.is_void()
    }
    pub fn is(&self, k: u32) -> bool {
        !self.is_void() && self.kind() == k
    }
    pub fn is_struct(&self) -> bool {
        self.is(K_STRUCT) || self.is(K_UNION)
    }
    pub fn nosize(&self) -> bool {
        self.is_void() || self.is(K_FWD) || self.is(K_FUNC) || self.is(K_FUNC_PROTO)
    }
    pub fn has_size(&self) -> bool {
        !self.is_void()
            && matches!(
                self.kind(),
                K_INT | K_STRUCT | K_UNION | K_ENUM | K_DATASEC | K_FLOAT | K_ENUM64
            )
    }
    pub fn resolve_source_only(&self) -> bool {
        self.is(K_VAR) || self.is(K_DECL_TAG) || self.is(K_DATASEC)
    }
    pub fn needs_resolve(&self) -> bool {
        self.is_modifier()
            || self.is(K_PTR)
            || self.is_struct()
            || self.is(K_ARRAY)
            || self.is(K_VAR)
            || self.is(K_FUNC)
            || self.is(K_DECL_TAG)
            || self.is(K_DATASEC)
    }
    pub fn is_decl_tag_target(&self) -> bool {
        self.is(K_FUNC) || self.is_struct() || self.is(K_VAR) || self.is(K_TYPEDEF)
    }
    /// A "regular" int: no bit offset, whole bytes, 1/2/4/8/16 bytes.
    pub fn int_is_regular(&self) -> bool {
        let data = self.word(3);
        let bits = data & 0xff;
        let bytes = bits.div_ceil(8);
        bits & 7 == 0 && (data >> 16) & 0xff == 0 && bytes <= 16 && bytes.is_power_of_two()
    }
}

pub(super) struct Env<'a> {
    pub hdr: Hdr,
    pub strings: &'a [u8],
    /// The type section as native words (a trailing partial word dropped).
    pub words: Vec<u32>,
    pub type_len: u32,
    pub base: Option<&'a Btf>,
    /// Kernel `start_id`: 0 for standalone BTF (its slot 0 is void), the base's type count for split.
    pub start_id: u32,
    pub start_str_off: u32,
    /// Word offset of each own type, in the kernel's local numbering (standalone: slot 0 is void).
    pub offs: Vec<u32>,
}

impl<'a> Env<'a> {
    /// `btf_parse_hdr` and `btf_parse_str_sec`.
    pub fn parse(data: &'a [u8], base: Option<&'a Btf>) -> Result<Env<'a>, Rejection> {
        let split = base.is_some();
        let hdr = header::parse_hdr(data, split)?;
        let start_str_off = base.map_or(0, |b| b.str_end());
        let strings = header::parse_str_sec(data, &hdr, split)?;
        let tstart = (hdr.hdr_len as usize).saturating_add(hdr.type_off as usize);
        let tbytes = data
            .get(tstart..tstart.saturating_add(hdr.type_len as usize))
            .unwrap_or(&[]);
        let words = tbytes
            .chunks_exact(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut offs = Vec::new();
        if !split {
            offs.push(u32::MAX); // void
        }
        Ok(Env {
            type_len: tbytes.len() as u32,
            hdr,
            strings,
            words,
            base,
            start_id: base.map_or(0, |b| b.type_cnt()),
            start_str_off,
            offs,
        })
    }

    pub fn split(&self) -> bool {
        self.base.is_some()
    }

    /// First id that `btf_check_all_types` and the type-tag walk visit.
    pub fn first_own_id(&self) -> u32 {
        if self.split() { self.start_id } else { 1 }
    }

    /// Total number of ids, void and base included (`btf_nr_types`).
    pub fn nr_total(&self) -> u32 {
        self.start_id + self.offs.len() as u32
    }

    /// `btf_type_by_id`.
    pub fn type_by_id(&self, id: u32) -> Option<T<'_>> {
        if id < self.start_id {
            let b = self.base?;
            if id == 0 {
                return Some(T { id, w: &VOID });
            }
            let t = b.type_by_id(id)?;
            return Some(T { id, w: t.words() });
        }
        let local = (id - self.start_id) as usize;
        let off = *self.offs.get(local)?;
        if off == u32::MAX {
            return Some(T { id, w: &VOID });
        }
        Some(T {
            id,
            w: self.words.get(off as usize..).unwrap_or(&[]),
        })
    }

    /// `btf_name_offset_valid`.
    pub fn name_offset_valid(&self, off: u32) -> bool {
        if off > BTF_MAX_NAME_OFFSET {
            return false;
        }
        if off < self.start_str_off {
            return true;
        }
        ((off - self.start_str_off) as usize) < self.strings.len()
    }

    /// `btf_str_by_offset`: the string's bytes up to (not including) its NUL.
    pub fn str_at(&self, off: u32) -> Option<&[u8]> {
        if off < self.start_str_off {
            return self.base?.str_bytes(off);
        }
        let local = (off - self.start_str_off) as usize;
        if local >= self.strings.len() {
            return None;
        }
        let s = &self.strings[local..];
        Some(match memchr0(s) {
            Some(n) => &s[..n],
            None => s,
        })
    }

    /// `btf_name_valid_identifier`: a C identifier (dots allowed), at most 512 bytes (KSYM_NAME_LEN).
    pub fn name_valid_identifier(&self, off: u32) -> bool {
        let Some(s) = self.str_at(off) else {
            return false;
        };
        let Some((&first, rest)) = s.split_first() else {
            return false;
        };
        if !(is_alpha(first) || first == b'_' || first == b'.') {
            return false;
        }
        s.len() <= KSYM_NAME_LEN && rest.iter().all(|&c| is_alnum(c) || c == b'_' || c == b'.')
    }

    /// `btf_name_valid_section`: non-empty, printable (kernel `isprint`), at most 512 bytes.
    pub fn name_valid_section(&self, off: u32) -> bool {
        let Some(s) = self.str_at(off) else {
            return false;
        };
        !s.is_empty() && s.len() <= KSYM_NAME_LEN && s.iter().all(|&c| is_print(c))
    }
}

const KSYM_NAME_LEN: usize = 512;

fn memchr0(s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == 0)
}

// The kernel's `lib/ctype.c` classes, Latin-1 upper half included: 0xc0-0xde are upper case and
// 0xdf-0xff lower case letters (except 0xd7 and 0xf7), 0xa0-0xbf punctuation or space.
fn is_upper(c: u8) -> bool {
    c.is_ascii_uppercase() || ((0xc0..=0xde).contains(&c) && c != 0xd7)
}
fn is_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || (c >= 0xdf && c != 0xf7)
}
fn is_alpha(c: u8) -> bool {
    is_upper(c) || is_lower(c)
}
fn is_alnum(c: u8) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}
fn is_print(c: u8) -> bool {
    (0x20..=0x7e).contains(&c) || c >= 0xa0
}
