//! Module split BTF read in place over a candidate base, without libbpf's range checks (which are
//! findings here, not errors): only what does not depend on the base — header, sections, record
//! sizes — can fail the read.

use crate::check::CheckStats;
use crate::model::btf::{Btf, Endianness};
use crate::model::error::{Error, Result};
use crate::model::raw::{self, HEADER_LEN_V1, Kind};
use crate::model::types::TypeRef;

/// Bit `off` set for every logical string offset of `base` (and its own bases) that starts a
/// string: offset 0 of each section and every offset after a NUL.
pub(super) fn string_starts(base: &Btf) -> Vec<u64> {
    let end = base.str_end() as usize;
    let mut bits = vec![0u64; end.div_ceil(64) + 1];
    let mut chain = Vec::new();
    let mut cur = Some(base);
    while let Some(b) = cur {
        chain.push(b);
        cur = b.base().map(|a| &**a);
    }
    for b in chain {
        let start = b.start_str_off() as usize;
        let s = b.strings_section();
        let mut at_start = true;
        for (i, &c) in s.iter().enumerate() {
            if at_start {
                let off = start + i;
                bits[off / 64] |= 1 << (off % 64);
            }
            at_start = c == 0;
        }
    }
    bits
}

fn bit(bits: &[u64], off: usize) -> bool {
    bits.get(off / 64)
        .is_some_and(|w| w & (1 << (off % 64)) != 0)
}

/// A module's split BTF over a candidate base.
pub(crate) struct SplitView<'a> {
    pub base: &'a Btf,
    base_starts: &'a [u64],
    words: Vec<u32>,
    /// Word offset of each own type.
    offs: Vec<u32>,
    strs: &'a [u8],
    own_starts: Vec<u64>,
    /// First own id = base type count.
    pub start_id: u32,
    /// First own string offset = end of the base strings.
    pub start_str: u32,
    pub pointer_size: u32,
}

fn malformed(what: String) -> Error {
    Error::invalid(format!("module BTF: {what}"))
}

impl<'a> SplitView<'a> {
    pub fn read(data: &'a [u8], base: &'a Btf, base_starts: &'a [u64]) -> Result<Self> {
        if data.len() < HEADER_LEN_V1 as usize {
            return Err(malformed(format!(
                "{} bytes, shorter than the BTF header",
                data.len()
            )));
        }
        let endian = if data[..2] == raw::BTF_MAGIC.to_le_bytes() {
            Endianness::Little
        } else if data[..2] == raw::BTF_MAGIC.to_be_bytes() {
            Endianness::Big
        } else {
            return Err(Error::new(
                crate::ErrorKind::NotBtf,
                "module BTF: no BTF magic".to_string(),
            ));
        };
        let word = |at: usize| {
            let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
            match endian {
                Endianness::Little => u32::from_le_bytes(b),
                Endianness::Big => u32::from_be_bytes(b),
            }
        };
        let hdr_len = word(4) as u64;
        let (type_off, type_len, str_off, str_len) = (
            u64::from(word(8)),
            u64::from(word(12)),
            u64::from(word(16)),
            u64::from(word(20)),
        );
        let size = data.len() as u64;
        if hdr_len < u64::from(HEADER_LEN_V1) || hdr_len > size {
            return Err(malformed(format!("bad header length {hdr_len}")));
        }
        let body = size - hdr_len;
        if str_off + str_len > body {
            return Err(malformed(format!(
                "string section at {str_off} + {str_len} ends beyond the data ({body} bytes)"
            )));
        }
        if type_off + type_len > str_off || type_off % 4 != 0 || type_len % 4 != 0 {
            return Err(malformed(format!(
                "type section at {type_off} + {type_len} overlaps the strings at {str_off} or \
                 is not whole aligned words"
            )));
        }
        let t0 = (hdr_len + type_off) as usize;
        let words: Vec<u32> = data[t0..t0 + type_len as usize]
            .chunks_exact(4)
            .map(|c| {
                let b = [c[0], c[1], c[2], c[3]];
                match endian {
                    Endianness::Little => u32::from_le_bytes(b),
                    Endianness::Big => u32::from_be_bytes(b),
                }
            })
            .collect();
        let s0 = (hdr_len + str_off) as usize;
        let strs = &data[s0..s0 + str_len as usize];
        if strs.last().is_some_and(|&c| c != 0) {
            return Err(malformed("string section does not end with NUL".into()));
        }
        let mut offs = Vec::new();
        let mut at = 0usize;
        while at < words.len() {
            let len = match words.get(at..) {
                Some(rest) if raw::info_kind(rest.get(1).copied().unwrap_or(0)) == 0 => 3,
                Some(rest) => raw::record_len_words(rest).ok_or_else(|| {
                    malformed(format!(
                        "type #{} at byte {}: unknown kind {}",
                        offs.len() + 1,
                        at * 4,
                        raw::info_kind(rest.get(1).copied().unwrap_or(0))
                    ))
                })?,
                None => break,
            };
            if at + len > words.len() {
                return Err(malformed(format!(
                    "type #{} at byte {} runs past the type section",
                    offs.len() + 1,
                    at * 4
                )));
            }
            offs.push(at as u32);
            at += len;
        }
        let start_id = base.type_cnt();
        if u64::from(start_id) + offs.len() as u64 > u64::from(u32::MAX) {
            return Err(malformed("too many types".into()));
        }
        let mut own_starts = vec![0u64; strs.len().div_ceil(64) + 1];
        let mut at_start = true;
        for (i, &c) in strs.iter().enumerate() {
            if at_start {
                own_starts[i / 64] |= 1 << (i % 64);
            }
            at_start = c == 0;
        }
        Ok(SplitView {
            base,
            base_starts,
            words,
            offs,
            strs,
            own_starts,
            start_id,
            start_str: base.str_end(),
            pointer_size: base.pointer_size().unwrap_or(8),
        })
    }

    /// One past the last id of base + module.
    pub fn type_cnt(&self) -> u32 {
        self.start_id + self.offs.len() as u32
    }

    /// One past the last logical string offset.
    pub fn str_end(&self) -> u64 {
        u64::from(self.start_str) + self.strs.len() as u64
    }

    pub fn is_base(&self, id: u32) -> bool {
        id < self.start_id
    }

    /// The module's own types.
    pub fn own(&self) -> impl Iterator<Item = TypeRef<'_>> + '_ {
        (0..self.offs.len()).filter_map(move |i| self.own_type(i))
    }

    fn own_type(&self, i: usize) -> Option<TypeRef<'_>> {
        let start = *self.offs.get(i)? as usize;
        let end = self
            .offs
            .get(i + 1)
            .map_or(self.words.len(), |&e| e as usize);
        let rec = self.words.get(start..end)?;
        (rec.len() >= 3).then(|| TypeRef::new(self.start_id + i as u32, rec))
    }

    /// Type `id` of base or module; `None` past the last type.
    pub fn ty(&self, id: u32) -> Option<TypeRef<'_>> {
        if id < self.start_id {
            self.base.type_by_id(id)
        } else {
            self.own_type((id - self.start_id) as usize)
        }
    }

    /// The string at logical offset `off`, `None` past the end.
    pub fn str_at(&self, off: u32) -> Option<&[u8]> {
        if off < self.start_str {
            return self.base.str_bytes(off);
        }
        let local = (off - self.start_str) as usize;
        let s = self.strs.get(local..)?;
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        Some(&s[..end])
    }

    /// Where the offset lands.
    pub fn str_place(&self, off: u32) -> StrPlace {
        if off < self.start_str {
            if bit(self.base_starts, off as usize) {
                StrPlace::BaseStart
            } else {
                StrPlace::BaseMiddle
            }
        } else if u64::from(off) >= self.str_end() {
            StrPlace::Beyond
        } else if bit(&self.own_starts, (off - self.start_str) as usize) {
            StrPlace::OwnStart
        } else {
            StrPlace::OwnMiddle
        }
    }

    /// The start of the string that contains `off` (for messages).
    pub fn containing_string(&self, off: u32) -> (u32, &[u8]) {
        let mut start = off;
        let (bits, origin): (&[u64], u32) = if off < self.start_str {
            (self.base_starts, 0)
        } else {
            (&self.own_starts, self.start_str)
        };
        while start > origin && !bit(bits, (start - origin) as usize) {
            start -= 1;
        }
        (start, self.str_at(start).unwrap_or(b""))
    }

    pub fn stats(&self) -> CheckStats {
        let mut st = CheckStats {
            types: self.offs.len() as u32,
            ..CheckStats::default()
        };
        let mut seen = hashbrown::HashSet::<u32, foldhash::fast::FixedState>::default();
        for t in self.own() {
            for (off, _) in crate::check::rules::name_offsets(&t) {
                if off != 0 && off < self.start_str {
                    st.base_string_refs += 1;
                }
            }
            crate::check::rules::for_each_ref(&t, |r| {
                if r != 0 && r < self.start_id {
                    st.base_refs += 1;
                    st.max_base_id = st.max_base_id.max(r);
                    seen.insert(r);
                }
            });
        }
        st.base_types = seen.len() as u32;
        st
    }

    /// `[id] KIND 'name'`, with `base type` in front of base ids.
    pub fn describe(&self, id: u32) -> String {
        if id == 0 {
            return "void".into();
        }
        let Some(t) = self.ty(id) else {
            return format!("type id {id}");
        };
        let kind = t.kind().map_or("UNKNOWN", Kind::name);
        let name = self.str_at(t.name_off()).unwrap_or(b"");
        let whose = if self.is_base(id) { "base type " } else { "" };
        if name.is_empty() {
            format!("{whose}[{id}] {kind} (anonymous)")
        } else {
            format!("{whose}[{id}] {kind} '{}'", String::from_utf8_lossy(name))
        }
    }
}

/// Where a name offset lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrPlace {
    BaseStart,
    BaseMiddle,
    OwnStart,
    OwnMiddle,
    Beyond,
}
