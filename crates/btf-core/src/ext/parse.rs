//! Checking `.BTF.ext` bytes as libbpf 1.7.0's `btf_ext__new` does (`btf_ext_parse`,
//! `btf_ext_parse_sec_info`): the header, then each info sub-section's record size and its blocks
//! of records, one block per ELF section. The same inputs are accepted and rejected, with the same
//! errno and at the same log level; the messages say what was wrong and where.

use crate::model::error::{Error, ErrorKind, LibbpfLog, Result};

/// `BTF_MAGIC`, shared with `.BTF`.
pub(crate) const MAGIC: u16 = 0xeb9f;
/// Bytes up to and including `hdr_len`: the least libbpf reads before anything else.
pub(crate) const HDR_LEN_END: u32 = 8;
/// Bytes up to and including `line_info_len`: the shortest header libbpf accepts.
pub const MIN_HEADER_LEN: u32 = 24;
/// Bytes up to and including `core_relo_len`: headers at least this long have CO-RE relocations.
pub const CORE_RELO_HEADER_LEN: u32 = 32;
/// `sizeof(struct btf_ext_info_sec)`: `sec_name_off` and `num_info`.
pub(crate) const BLOCK_HEADER_LEN: u32 = 8;

/// The `.BTF.ext` header (`struct btf_ext_header`), in native integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtHeader {
    /// `0xeb9f` in the data's byte order (always `0xeb9f` here, once decoded).
    pub magic: u16,
    /// Format version; libbpf accepts only 1.
    pub version: u8,
    /// Flags; libbpf accepts only 0.
    pub flags: u8,
    /// Header length: the info sub-sections' offsets count from here.
    pub hdr_len: u32,
    /// Offset of the func_info sub-section after the header.
    pub func_info_off: u32,
    /// Length of the func_info sub-section (0: none).
    pub func_info_len: u32,
    /// Offset of the line_info sub-section after the header.
    pub line_info_off: u32,
    /// Length of the line_info sub-section (0: none).
    pub line_info_len: u32,
    /// Offset of the core_relo sub-section after the header; 0 in a header shorter than
    /// [`CORE_RELO_HEADER_LEN`], which has no such field.
    pub core_relo_off: u32,
    /// Length of the core_relo sub-section; 0 in a short header.
    pub core_relo_len: u32,
}

impl ExtHeader {
    /// Whether the header is long enough to have the `core_relo_off`/`core_relo_len` fields.
    pub fn has_core_relo_fields(&self) -> bool {
        self.hdr_len >= CORE_RELO_HEADER_LEN
    }
}

/// Which info sub-section, with libbpf's name for it and its minimal record size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InfoKind {
    Func,
    Line,
    CoreRelo,
}

impl InfoKind {
    /// libbpf's name in its messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            InfoKind::Func => "func_info",
            InfoKind::Line => "line_info",
            InfoKind::CoreRelo => "core_relo",
        }
    }

    /// The size of the record libbpf knows (`bpf_func_info_min`, `bpf_line_info_min`,
    /// `bpf_core_relo`), in bytes; also the part it byte-swaps.
    pub(crate) fn min_rec_size(self) -> u32 {
        match self {
            InfoKind::Func => 8,
            InfoKind::Line | InfoKind::CoreRelo => 16,
        }
    }
}

/// Where a checked sub-section's blocks are: everything after its record size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Byte offset of the first block in the `.BTF.ext` data.
    pub(crate) start: usize,
    /// Bytes of blocks (the sub-section's length without the record size).
    pub(crate) len: usize,
    /// Size of one record.
    pub(crate) rec_size: u32,
    /// Number of blocks (ELF sections).
    pub(crate) sec_cnt: usize,
}

/// What the header check found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checked {
    pub(crate) header: ExtHeader,
    /// The data is in the other byte order than this machine's.
    pub(crate) swapped: bool,
    pub(crate) func: Option<Layout>,
    pub(crate) line: Option<Layout>,
    pub(crate) core_relo: Option<Layout>,
}

/// A malformed header or sub-section: `EINVAL`, printed by libbpf at debug level.
fn bad(message: String) -> Error {
    Error::new(ErrorKind::Invalid, format!(".BTF.ext: {message}")).logged(LibbpfLog::Debug)
}

/// A header libbpf does not support (version, flags): `ENOTSUP`, at debug level.
fn unsupported(message: String) -> Error {
    Error::new(ErrorKind::NotSupported, format!(".BTF.ext: {message}")).logged(LibbpfLog::Debug)
}

/// The `u32` at `off`, which the caller has checked is in bounds, in the data's byte order.
fn u32_at(data: &[u8], off: usize, swapped: bool) -> u32 {
    let mut word = [0u8; 4];
    if let Some(bytes) = data.get(off..off + 4) {
        word.copy_from_slice(bytes);
    }
    let v = u32::from_ne_bytes(word);
    if swapped { v.swap_bytes() } else { v }
}

/// Checks the header and every info sub-section, in libbpf's order.
pub(crate) fn check(data: &[u8]) -> Result<Checked> {
    let Ok(size) = u32::try_from(data.len()) else {
        return Err(bad(format!(
            "{} bytes: larger than libbpf's 32-bit size",
            data.len()
        )));
    };
    if size < HDR_LEN_END {
        return Err(bad(format!(
            "header too short: {size} bytes, the header's first fields need {HDR_LEN_END}"
        )));
    }
    let magic = u16::from_ne_bytes([data[0], data[1]]);
    let swapped = if magic == MAGIC {
        false
    } else if magic == MAGIC.swap_bytes() {
        true
    } else {
        return Err(bad(format!(
            "bad magic {magic:#x} at byte 0 (expected {MAGIC:#x} in either byte order)"
        )));
    };
    let (version, flags) = (data[2], data[3]);
    if version != 1 {
        return Err(unsupported(format!(
            "unsupported version {version} at byte 2 (libbpf reads version 1)"
        )));
    }
    if flags != 0 {
        return Err(unsupported(format!(
            "unsupported flags {flags:#x} at byte 3 (libbpf knows none)"
        )));
    }
    let hdr_len = u32_at(data, 4, swapped);
    if size < hdr_len {
        return Err(bad(format!(
            "header length {hdr_len} (byte 4) is past the end of the {size}-byte section"
        )));
    }
    if size == hdr_len {
        return Err(bad(format!(
            "header length {hdr_len} (byte 4) leaves no data in the {size}-byte section"
        )));
    }
    if hdr_len < MIN_HEADER_LEN {
        // The one header failure libbpf warns about.
        return Err(Error::new(
            ErrorKind::Invalid,
            format!(
                ".BTF.ext: header length {hdr_len} (byte 4) is shorter than {MIN_HEADER_LEN}: \
                 no func_info and line_info fields"
            ),
        )
        .logged(LibbpfLog::Warn));
    }
    let field = |off: usize| u32_at(data, off, swapped);
    let mut header = ExtHeader {
        magic: MAGIC,
        version,
        flags,
        hdr_len,
        func_info_off: field(8),
        func_info_len: field(12),
        line_info_off: field(16),
        line_info_len: field(20),
        core_relo_off: 0,
        core_relo_len: 0,
    };
    if header.has_core_relo_fields() {
        header.core_relo_off = field(24);
        header.core_relo_len = field(28);
    }
    let func = check_info(
        data,
        swapped,
        hdr_len,
        InfoKind::Func,
        header.func_info_off,
        header.func_info_len,
    )?;
    let line = check_info(
        data,
        swapped,
        hdr_len,
        InfoKind::Line,
        header.line_info_off,
        header.line_info_len,
    )?;
    let core_relo = if header.has_core_relo_fields() {
        check_info(
            data,
            swapped,
            hdr_len,
            InfoKind::CoreRelo,
            header.core_relo_off,
            header.core_relo_len,
        )?
    } else {
        None
    };
    Ok(Checked {
        header,
        swapped,
        func,
        line,
        core_relo,
    })
}

/// Checks one info sub-section (`off`, `len` from the header): `None` when it is empty.
fn check_info(
    data: &[u8],
    swapped: bool,
    hdr_len: u32,
    kind: InfoKind,
    off: u32,
    len: u32,
) -> Result<Option<Layout>> {
    let name = kind.name();
    if len == 0 {
        return Ok(None);
    }
    if off & 3 != 0 {
        return Err(bad(format!(
            "{name} sub-section offset {off} is not aligned to 4 bytes"
        )));
    }
    // Offsets and lengths are 32-bit but added as addresses: no wrap-around.
    let start = u64::from(hdr_len) + u64::from(off);
    let end = start + u64::from(len);
    if end > data.len() as u64 {
        return Err(bad(format!(
            "{name} sub-section (offset {off}, length {len}) ends at byte {end}, past the end \
             of the {}-byte section",
            data.len()
        )));
    }
    // In bounds of a slice, so these fit in usize.
    let start = start as usize;
    if len < 4 {
        return Err(bad(format!(
            "{name} sub-section at byte {start} is {len} bytes: no record size"
        )));
    }
    let rec_size = u32_at(data, start, swapped);
    let min = kind.min_rec_size();
    // A foreign-endian record must be exactly the known one, so that it can be swapped whole.
    if rec_size < min || (swapped && rec_size != min) || rec_size & 3 != 0 {
        let need = if swapped {
            format!("exactly {min} in foreign byte order")
        } else {
            format!("at least {min} and a multiple of 4")
        };
        return Err(bad(format!(
            "{name} sub-section at byte {start}: record size {rec_size} (needs {need})"
        )));
    }
    let mut left = len - 4;
    if left == 0 {
        return Err(bad(format!(
            "{name} sub-section at byte {start} has no records"
        )));
    }
    let mut pos = start + 4;
    let mut sec_cnt = 0usize;
    while left != 0 {
        if left < BLOCK_HEADER_LEN {
            return Err(bad(format!(
                "{name} sub-section: {left} bytes at byte {pos} are too short for an ELF \
                 section's block header (sec_name_off, num_info)"
            )));
        }
        let num = u32_at(data, pos + 4, swapped);
        if num == 0 {
            return Err(bad(format!(
                "{name} sub-section: block {sec_cnt} at byte {pos} has num_info 0"
            )));
        }
        let total = u64::from(BLOCK_HEADER_LEN) + u64::from(num) * u64::from(rec_size);
        if u64::from(left) < total {
            return Err(bad(format!(
                "{name} sub-section: block {sec_cnt} at byte {pos} has num_info {num} \
                 ({total} bytes of {rec_size}-byte records), but only {left} bytes are left"
            )));
        }
        // total <= left, a u32.
        left -= total as u32;
        pos += total as usize;
        sec_cnt += 1;
    }
    Ok(Some(Layout {
        start: start + 4,
        len: (len - 4) as usize,
        rec_size,
        sec_cnt,
    }))
}
