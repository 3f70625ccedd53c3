//! Parsing raw BTF bytes into a [`Btf`] with exactly the light checks of libbpf v1.7.0's `btf__new` /
//! `btf__new_split` (header, string section, type walk, sanity check), plus the 2026 header with its
//! kind layout section, which sizes records of kinds libbpf 1.7 does not know.
//!
//! Foreign-endian data is converted to native words once, here. Every field of every record is a
//! 32-bit word, so the conversion is a plain word swap.

use std::sync::Arc;

use crate::mem::backing::Backing;
use crate::model::btf::{Btf, Endianness};
use crate::model::error::{Error, ErrorKind, LibbpfLog, Result};
use crate::model::raw::{
    self, HEADER_LEN_LAYOUT, HEADER_LEN_V1, Header, Kind, KindLayout, MAX_STR_OFFSET,
};
use crate::model::section::Section;
use crate::model::types::TypeRef;

mod fast;

/// A header or string-section error: libbpf reports those at debug level.
fn header_error(message: impl Into<String>) -> Error {
    Error::invalid(message).logged(LibbpfLog::Debug)
}

fn read_u32(data: &[u8], at: usize, endian: Endianness) -> u32 {
    let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
    match endian {
        Endianness::Little => u32::from_le_bytes(b),
        Endianness::Big => u32::from_be_bytes(b),
    }
}

/// Reads the header; `data` holds at least 24 bytes.
fn read_header(data: &[u8]) -> Result<(Header, Endianness)> {
    let endian = if data[..2] == raw::BTF_MAGIC.to_le_bytes() {
        Endianness::Little
    } else if data[..2] == raw::BTF_MAGIC.to_be_bytes() {
        Endianness::Big
    } else {
        return Err(header_error(format!(
            "header: bad magic {:02x} {:02x} at offset 0 (expected eb9f in either byte order)",
            data[0], data[1]
        )));
    };
    let word = |at| read_u32(data, at, endian);
    let mut h = Header {
        magic: raw::BTF_MAGIC,
        version: data[2],
        flags: data[3],
        hdr_len: word(4),
        type_off: word(8),
        type_len: word(12),
        str_off: word(16),
        str_len: word(20),
        layout_off: 0,
        layout_len: 0,
    };
    if h.hdr_len >= HEADER_LEN_LAYOUT && data.len() >= HEADER_LEN_LAYOUT as usize {
        h.layout_off = word(24);
        h.layout_len = word(28);
    }
    Ok((h, endian))
}

fn check_header(h: &Header, endian: Endianness, size: usize) -> Result<()> {
    if endian != Endianness::native()
        && h.hdr_len != HEADER_LEN_V1
        && h.hdr_len != HEADER_LEN_LAYOUT
    {
        return Err(Error::new(
            ErrorKind::NotSupported,
            format!(
                "header: hdr_len {} of non-native-endian BTF is not supported (only {HEADER_LEN_V1} or {HEADER_LEN_LAYOUT})",
                h.hdr_len
            ),
        )
        .logged(LibbpfLog::Warn));
    }
    if size < h.hdr_len as usize {
        return Err(header_error(format!(
            "header: hdr_len {} is larger than the data ({size} bytes)",
            h.hdr_len
        )));
    }
    let meta_left = (size - h.hdr_len as usize) as u64;
    if u64::from(h.str_off) + u64::from(h.str_len) > meta_left {
        return Err(header_error(format!(
            "header: string section at {} + {} ends beyond the data ({meta_left} bytes after the header)",
            h.str_off, h.str_len
        )));
    }
    if u64::from(h.type_off) + u64::from(h.type_len) > u64::from(h.str_off) {
        return Err(header_error(format!(
            "header: type section at {} + {} overlaps the string section at {}",
            h.type_off, h.type_len, h.str_off
        )));
    }
    if h.type_off % 4 != 0 {
        return Err(header_error(format!(
            "header: type_off {} is not 4-byte aligned",
            h.type_off
        )));
    }
    Ok(())
}

fn check_strings(strs: &[u8], split: bool) -> Result<()> {
    if split && strs.is_empty() {
        return Ok(());
    }
    let Some(&last) = strs.last() else {
        return Err(header_error(
            "string section: empty (base BTF needs at least the empty string)",
        ));
    };
    if strs.len() as u64 - 1 > u64::from(MAX_STR_OFFSET) {
        return Err(header_error(format!(
            "string section: {} bytes is too large",
            strs.len()
        )));
    }
    if last != 0 {
        return Err(header_error(format!(
            "string section: last byte (offset {}) is not NUL",
            strs.len() - 1
        )));
    }
    if !split && strs[0] != 0 {
        return Err(header_error(
            "string section: does not start with the empty string (split BTF read without its base?)",
        ));
    }
    Ok(())
}

/// Reads the kind layout section when the header has one; `None` if there is none or it is malformed.
/// libbpf v1.7.0 ignores this section, so a malformed one only matters if an unknown kind needs it.
fn read_layout(data: &[u8], h: &Header, endian: Endianness) -> Result<Vec<KindLayout>, String> {
    if h.hdr_len < HEADER_LEN_LAYOUT || h.layout_len == 0 {
        return Ok(Vec::new());
    }
    let (off, len) = (u64::from(h.layout_off), u64::from(h.layout_len));
    if off % 4 != 0 || len % 4 != 0 {
        return Err(format!(
            "layout section at {off} + {len} is not 4-byte aligned"
        ));
    }
    if off < u64::from(h.type_off) + u64::from(h.type_len) || off + len > u64::from(h.str_off) {
        return Err(format!(
            "layout section at {off} + {len} is not between the type and string sections"
        ));
    }
    let start = h.hdr_len as usize + off as usize;
    let bytes = &data[start..start + len as usize];
    Ok(bytes
        .chunks_exact(4)
        .map(|e| {
            let flags = match endian {
                Endianness::Little => u16::from_le_bytes([e[2], e[3]]),
                Endianness::Big => u16::from_be_bytes([e[2], e[3]]),
            };
            KindLayout {
                info_sz: e[0],
                elem_sz: e[1],
                flags,
            }
        })
        .collect())
}

pub(super) fn to_words(bytes: &[u8], endian: Endianness) -> Vec<u32> {
    let mut words = crate::mem::backing::words_copied(bytes);
    if endian != Endianness::native() {
        words.iter_mut().for_each(|w| *w = w.swap_bytes());
    }
    words
}

/// What sizes records of kinds libbpf 1.7 does not know: this BTF's layout section, else its base's.
struct LayoutSource<'a> {
    own: &'a Result<Vec<KindLayout>, String>,
    base: Option<&'a Btf>,
}

impl LayoutSource<'_> {
    /// Record size in words of an unknown kind `kind` with `vlen` elements.
    fn record_words(&self, kind: u32, vlen: u32) -> Result<u32, String> {
        let entry = match self.own {
            Ok(own) if !own.is_empty() => own.get(kind as usize).copied(),
            Ok(_) => self.base.and_then(|b| base_layout(b, kind)),
            Err(e) => return Err(format!("unknown kind {kind} and the {e}")),
        };
        let Some(l) = entry else {
            return Err(format!(
                "unknown kind {kind} (no kind layout section describes it)"
            ));
        };
        let bytes = u32::from(l.info_sz) + vlen * u32::from(l.elem_sz);
        if l.info_sz % 4 != 0 || l.elem_sz % 4 != 0 {
            return Err(format!(
                "kind {kind}: layout sizes {}+{}*vlen are not multiples of 4",
                l.info_sz, l.elem_sz
            ));
        }
        Ok(3 + bytes / 4)
    }
}

fn base_layout(b: &Btf, kind: u32) -> Option<KindLayout> {
    if b.layout.is_empty() {
        b.base.as_deref().and_then(|bb| base_layout(bb, kind))
    } else {
        b.layout.get(kind as usize).copied()
    }
}

/// Walks the type section, recording where each record starts (libbpf's `btf_parse_type_sec`).
fn index_types(
    words: &[u32],
    type_len: u32,
    layout: &LayoutSource<'_>,
    start_id: u32,
    section_at: u64,
) -> Result<Vec<u32>> {
    let total = words.len();
    let mut offs = Vec::with_capacity(total / 6);
    let mut pos = 0usize;
    while pos + 3 <= total {
        let id = start_id as u64 + offs.len() as u64;
        let info = words[pos + 1];
        let (kind, vlen) = (raw::info_kind(info), raw::info_vlen(info));
        let rec_words = match Kind::from_raw(kind).map(Kind::trailing_words) {
            Some(Some((fixed, per))) => 3 + fixed + per * vlen,
            Some(None) => {
                return Err(Error::invalid(format!(
                    "type [{id}] at byte {}: kind 0 (UNKN) is not a valid type record",
                    section_at + pos as u64 * 4
                ))
                .logged(LibbpfLog::Debug));
            }
            None => layout.record_words(kind, vlen).map_err(|why| {
                Error::invalid(format!(
                    "type [{id}] at byte {}: {why}",
                    section_at + pos as u64 * 4
                ))
                .logged(LibbpfLog::Debug)
            })?,
        } as usize;
        if pos + rec_words > total {
            return Err(Error::invalid(format!(
                "type [{id}] at byte {}: {} record of {} bytes overruns the type section ({type_len} bytes)",
                section_at + pos as u64 * 4,
                Kind::from_raw(kind).map_or("unknown-kind", Kind::name),
                rec_words * 4
            ))
            .logged(LibbpfLog::Warn));
        }
        offs.push(pos as u32);
        pos += rec_words;
    }
    if pos as u64 * 4 != u64::from(type_len) {
        return Err(Error::invalid(format!(
            "type section: {} trailing bytes at byte {} do not form a type record",
            u64::from(type_len) - pos as u64 * 4,
            section_at + pos as u64 * 4
        ))
        .logged(LibbpfLog::Warn));
    }
    Ok(offs)
}

/// libbpf's `btf_sanity_check`: names resolve, referenced ids exist, FUNC points at FUNC_PROTO.
fn sanity_check(btf: &Btf, types_at: u64) -> Result<()> {
    let str_end = btf.str_end();
    let type_cnt = btf.type_cnt();
    for (t, &word_off) in btf.types().zip(&btf.type_offs) {
        let fail = |what: String| {
            let kind = t.kind().map_or("UNKNOWN", Kind::name);
            Error::invalid(format!(
                "type [{}] {kind} at byte {}: {what}",
                t.id(),
                types_at + u64::from(word_off) * 4
            ))
            .logged(LibbpfLog::Warn)
        };
        let check_str = |off: u32, what: &str| {
            if off < str_end {
                Ok(())
            } else {
                Err(fail(format!(
                    "{what} offset {off} is beyond the strings ({str_end} bytes)"
                )))
            }
        };
        let check_id = |id: u32| {
            if id < type_cnt {
                Ok(())
            } else {
                Err(fail(format!(
                    "referenced type id {id} does not exist (type count {type_cnt})"
                )))
            }
        };
        check_str(t.name_off(), "name")?;
        match t.kind() {
            Some(Kind::Unkn | Kind::Int | Kind::Fwd | Kind::Float) => {}
            Some(
                Kind::Ptr
                | Kind::Typedef
                | Kind::Volatile
                | Kind::Const
                | Kind::Restrict
                | Kind::Var
                | Kind::DeclTag
                | Kind::TypeTag,
            ) => check_id(t.type_id())?,
            Some(Kind::Array) => {
                let a = t.array();
                check_id(a.elem_type)?;
                check_id(a.index_type)?;
            }
            Some(Kind::Struct | Kind::Union) => {
                for m in t.members() {
                    check_str(m.name_off, "member name")?;
                    check_id(m.type_id)?;
                }
            }
            Some(Kind::Enum) => {
                for v in t.enum_values() {
                    check_str(v.name_off, "enumerator name")?;
                }
            }
            Some(Kind::Enum64) => {
                for v in t.enum64_values() {
                    check_str(v.name_off, "enumerator name")?;
                }
            }
            Some(Kind::Func) => {
                check_id(t.type_id())?;
                let proto = btf.type_by_id(t.type_id()).map(|p| p.kind_raw());
                if proto != Some(Kind::FuncProto as u32) {
                    return Err(fail(format!(
                        "references type [{}], which is not a FUNC_PROTO",
                        t.type_id()
                    )));
                }
            }
            Some(Kind::FuncProto) => {
                for p in t.params() {
                    check_str(p.name_off, "parameter name")?;
                    check_id(p.type_id)?;
                }
            }
            Some(Kind::Datasec) => {
                for v in t.datasec_vars() {
                    check_id(v.type_id)?;
                }
            }
            // Kinds sized by the layout section: only the name is understood.
            None => {}
        }
    }
    Ok(())
}

/// The bytes to parse: borrowed from the caller (copied into the `Btf`), or a file's bytes the
/// `Btf` may keep pointing into.
pub(crate) enum Input<'a> {
    Bytes(&'a [u8]),
    Backed(Arc<Backing>),
}

/// Inputs at least this large are copied whole into one buffer (see [`parse`]).
const WHOLE_COPY_BYTES: usize = 64 * 1024;

/// Parses raw BTF bytes, over `base` for split BTF (`btf__new` / `btf__new_split`). Large
/// native-order data is copied once, whole, into one aligned buffer that types and strings point
/// into; small data (a module's) gets one owned copy per section, which costs less memory than
/// the shared buffer's bookkeeping; foreign-order data is converted section by section.
pub(crate) fn parse(data: &[u8], base: Option<Arc<Btf>>) -> Result<Btf> {
    if data.len() >= WHOLE_COPY_BYTES && data[..2] == raw::BTF_MAGIC.to_ne_bytes() {
        return parse_input(Input::Backed(Arc::new(Backing::copy_of(data))), base);
    }
    parse_input(Input::Bytes(data), base)
}

/// Parses raw BTF from `input`. Native-order input from a [`Backing`] is used in place (types,
/// strings and the original bytes all point into it); anything else is copied, and
/// foreign-order data converted, once.
pub(crate) fn parse_input(input: Input<'_>, base: Option<Arc<Btf>>) -> Result<Btf> {
    let data = match &input {
        Input::Bytes(data) => *data,
        Input::Backed(backing) => backing.bytes(),
    };
    if data.len() < HEADER_LEN_V1 as usize {
        return Err(header_error(format!(
            "header: data is {} bytes, shorter than the {HEADER_LEN_V1}-byte BTF header",
            data.len()
        )));
    }
    if u32::try_from(data.len()).is_err() {
        return Err(Error::new(
            ErrorKind::TooBig,
            format!("{} bytes is more than BTF can address", data.len()),
        )
        .logged(LibbpfLog::Debug));
    }
    let (header, endian) = read_header(data)?;
    check_header(&header, endian, data.len())?;

    let hdr_len = header.hdr_len as usize;
    let str_start = hdr_len + header.str_off as usize;
    let str_len = header.str_len as usize;
    check_strings(&data[str_start..str_start + str_len], base.is_some())?;

    let layout = read_layout(data, &header, endian);
    let types_at = hdr_len + header.type_off as usize;
    let type_len = header.type_len as usize;
    let type_bytes = &data[types_at..types_at + type_len];

    let mut btf = Btf::empty_with(base, header, endian);
    btf.header_extra = data
        .get(HEADER_LEN_V1 as usize..hdr_len)
        .unwrap_or(&[])
        .to_vec();
    // Input the rebuild reproduces byte for byte need not be kept: sections in order without
    // gaps, and no kind layout fields the rebuild would rewrite (with no room for a layout
    // section it writes zeros there; libbpf hands back any header as read).
    let canonical = hdr_len >= HEADER_LEN_V1 as usize
        && header.type_off == 0
        && header.str_off == header.type_len
        && data.len() == hdr_len + type_len + str_len
        && btf
            .header_extra
            .get(..8)
            .is_none_or(|fields| fields.iter().all(|&b| b == 0));
    let in_place = match &input {
        Input::Backed(backing) if endian == Endianness::native() => Some(backing),
        _ => None,
    };
    // In place: the strings always, the types when they are whole, aligned words, and the input
    // itself as what an unmodified object's `raw_data` returns.
    btf.strings = in_place
        .and_then(|b| Section::in_place(b, str_start, str_len))
        .unwrap_or_else(|| data[str_start..str_start + str_len].to_vec().into());
    let words = in_place
        .filter(|_| type_len % 4 == 0)
        .and_then(|b| Section::in_place(b, types_at, type_len / 4))
        .unwrap_or_else(|| to_words(type_bytes, endian).into());
    btf.original = match in_place {
        Some(b) => Section::in_place(b, 0, data.len()),
        None if !canonical => Some(native_copy(data, &header, endian).into()),
        None => None,
    };
    let source = LayoutSource {
        own: &layout,
        base: btf.base.as_deref(),
    };
    // Fast path for well-formed BTF of known kinds; anything else (and any failed check) goes
    // through the detailed walk and check, which produce the exact error. A section that is not
    // whole words has trailing bytes: the detailed walk reports them.
    //
    // The running kernel's own vmlinux BTF, mapped from sysfs, is only sized, not checked: the
    // kernel ran stricter checks of these very bytes when it booted (kernel/bpf/btf.c: every
    // name offset inside the strings, every referenced id resolved, FUNC only on FUNC_PROTO),
    // so libbpf's checks cannot fail on it and re-running them only costs time. Every accessor
    // stays bounds-checked either way.
    let kernel_checked = btf.base.is_none()
        && matches!(&input, Input::Backed(b) if b.is_kernel_btf() && in_place.is_some());
    let walked = if type_len % 4 == 0 {
        fast::walk_and_check(
            &words,
            btf.base.as_deref(),
            btf.start_id,
            btf.str_end(),
            !kernel_checked,
        )
    } else {
        fast::Walked::Unsized
    };
    let checked = match walked {
        fast::Walked::Passed(offs) => {
            btf.type_offs = offs;
            true
        }
        fast::Walked::ChecksFailed(offs) => {
            btf.type_offs = offs;
            false
        }
        fast::Walked::Unsized => {
            btf.type_offs = index_types(
                &words,
                header.type_len,
                &source,
                btf.start_id,
                types_at as u64,
            )?;
            false
        }
    };
    btf.types = words;
    btf.layout = layout.unwrap_or_default();
    if !checked {
        sanity_check(&btf, types_at as u64)?;
    }
    Ok(btf)
}

/// `data` with header fields and type words in native order and everything else as read — what
/// libbpf's in-place byte swap leaves in its buffer.
fn native_copy(data: &[u8], h: &Header, endian: Endianness) -> Vec<u8> {
    let mut copy = data.to_vec();
    if endian == Endianness::native() {
        return copy;
    }
    copy[..2].copy_from_slice(&h.magic.to_ne_bytes());
    for (i, v) in [h.hdr_len, h.type_off, h.type_len, h.str_off, h.str_len]
        .into_iter()
        .enumerate()
    {
        copy[4 + i * 4..8 + i * 4].copy_from_slice(&v.to_ne_bytes());
    }
    let types_at = h.hdr_len as usize + h.type_off as usize;
    for word in copy[types_at..types_at + h.type_len as usize].chunks_exact_mut(4) {
        word.reverse();
    }
    copy
}

impl Btf {
    /// Parses standalone (base) BTF from raw bytes (`btf__new`).
    pub fn from_bytes(data: &[u8]) -> Result<Btf> {
        parse(data, None)
    }

    /// Parses split BTF over `base` from raw bytes (`btf__new_split`).
    pub fn from_bytes_split(data: &[u8], base: Arc<Btf>) -> Result<Btf> {
        parse(data, Some(base))
    }
}

/// A type's kind name for messages, `UNKNOWN` for kinds libbpf 1.7 does not know.
pub fn kind_name(t: &TypeRef<'_>) -> &'static str {
    t.kind().map_or("UNKNOWN", Kind::name)
}
