//! `.BTF.ext`: the per-instruction information clang writes beside a BPF object's `.BTF` — function
//! info, line info and CO-RE relocations, grouped by ELF section. [`BtfExt`] is libbpf's
//! `struct btf_ext` (`btf_ext__new`, `btf_ext__raw_data`, `btf_ext__endianness`,
//! `btf_ext__set_endianness`).
//!
//! ```
//! use btf_core::{BtfExt, Endianness};
//! # let mut bytes = vec![0x9f, 0xeb, 1, 0, 32, 0, 0, 0];
//! # for word in [0u32, 20, 0, 0, 0, 0, 8, 1, 1, 0, 7] {
//! #     bytes.extend(word.to_le_bytes());
//! # }
//! let ext = BtfExt::parse(&bytes)?;
//! for sec in ext.func_info() {
//!     for f in sec.records() {
//!         println!("section @{}: func type {} at insn {}", sec.sec_name_off(), f.type_id, f.insn_off);
//!     }
//! }
//! assert_eq!(ext.raw_data(), &bytes[..]);
//! # Ok::<(), btf_core::Error>(())
//! ```

mod iter;
mod parse;
pub mod record;
mod remap;
mod swap;
#[cfg(test)]
mod tests;

use std::fmt;

pub use iter::{ExtRecord, InfoSection, InfoSections, Records};
pub use parse::{CORE_RELO_HEADER_LEN, ExtHeader, MIN_HEADER_LEN};
pub use record::{CoreRelo, CoreReloKind, FuncInfo, LineInfo};

use crate::mem::once::RaceOnce;
use crate::model::btf::Endianness;
use crate::model::error::Result;
use parse::Layout;

/// Parsed `.BTF.ext` (libbpf's `struct btf_ext`): the bytes in this machine's byte order, where
/// each info sub-section's blocks are, and the byte order [`BtfExt::raw_data`] writes.
///
/// The data is kept whole, as libbpf keeps it: [`BtfExt::raw_data`] gives back the input in its
/// own byte order (or the other one, after [`BtfExt::set_endianness`]) byte for byte.
pub struct BtfExt {
    /// The `.BTF.ext` bytes in this machine's byte order (header and every info sub-section
    /// swapped once at parse when the input was foreign).
    data: Vec<u8>,
    header: ExtHeader,
    func: Option<Layout>,
    line: Option<Layout>,
    core_relo: Option<Layout>,
    /// [`BtfExt::raw_data`] writes the other byte order than this machine's.
    swapped: bool,
    /// The bytes in the other byte order, made on first request (libbpf's `data_swapped`).
    swapped_data: RaceOnce<Vec<u8>>,
}

impl BtfExt {
    /// Parses `.BTF.ext` bytes in either byte order with `btf_ext__new`'s checks: the same inputs
    /// are accepted, and the rest fail with libbpf's errno (`EINVAL`, `ENOTSUP` for an unknown
    /// version or flags) and log level. Records longer than libbpf knows are accepted in this
    /// machine's byte order (only their known prefix is decoded); in the other byte order they
    /// must be exactly the known size, as libbpf requires.
    pub fn parse(data: &[u8]) -> Result<BtfExt> {
        let checked = parse::check(data)?;
        let mut native = data.to_vec();
        if checked.swapped {
            swap::swap_header(&mut native, false);
            swap::swap_infos(&mut native, false);
        }
        Ok(BtfExt {
            data: native,
            header: checked.header,
            func: checked.func,
            line: checked.line,
            core_relo: checked.core_relo,
            swapped: checked.swapped,
            swapped_data: RaceOnce::new(),
        })
    }

    /// The header, in native integers.
    pub fn header(&self) -> &ExtHeader {
        &self.header
    }

    /// The byte order [`BtfExt::raw_data`] writes: the input's, until changed
    /// (`btf_ext__endianness`).
    pub fn endianness(&self) -> Endianness {
        match (Endianness::native(), self.swapped) {
            (native, false) => native,
            (Endianness::Little, true) => Endianness::Big,
            (Endianness::Big, true) => Endianness::Little,
        }
    }

    /// Sets the byte order [`BtfExt::raw_data`] writes (`btf_ext__set_endianness`).
    pub fn set_endianness(&mut self, endianness: Endianness) {
        self.swapped = endianness != Endianness::native();
        if !self.swapped {
            // As libbpf, the other-order copy is dropped when it is no longer wanted.
            self.swapped_data.take();
        }
    }

    /// The whole `.BTF.ext` in the byte order [`BtfExt::endianness`] says, as
    /// `btf_ext__raw_data` gives it: the input bytes when that is the input's order. The
    /// other-order copy is made once and kept.
    pub fn raw_data(&self) -> &[u8] {
        if !self.swapped {
            return &self.data;
        }
        self.swapped_data.get_or_init(|| {
            let mut out = self.data.clone();
            swap::swap_infos(&mut out, true);
            swap::swap_header(&mut out, true);
            out
        })
    }

    /// The bytes in this machine's byte order (libbpf's in-memory `btf_ext->data`).
    pub fn native_data(&self) -> &[u8] {
        &self.data
    }

    /// The func_info sub-section: per ELF section, the BTF `FUNC` of each function.
    pub fn func_info(&self) -> InfoSections<'_, FuncInfo> {
        InfoSections::new(&self.data, self.func)
    }

    /// The line_info sub-section: per ELF section, the source line of instructions.
    pub fn line_info(&self) -> InfoSections<'_, LineInfo> {
        InfoSections::new(&self.data, self.line)
    }

    /// The core_relo sub-section: per ELF section, the CO-RE relocations (empty in a short
    /// header without core_relo fields).
    pub fn core_relo(&self) -> InfoSections<'_, CoreRelo> {
        InfoSections::new(&self.data, self.core_relo)
    }

    /// Size of one func_info record as written; 0 when there is no func_info.
    pub fn func_info_rec_size(&self) -> u32 {
        self.func.map_or(0, |l| l.rec_size)
    }

    /// Size of one line_info record as written; 0 when there is no line_info.
    pub fn line_info_rec_size(&self) -> u32 {
        self.line.map_or(0, |l| l.rec_size)
    }

    /// Size of one core_relo record as written; 0 when there are no CO-RE relocations.
    pub fn core_relo_rec_size(&self) -> u32 {
        self.core_relo.map_or(0, |l| l.rec_size)
    }
}

impl Clone for BtfExt {
    fn clone(&self) -> Self {
        BtfExt {
            data: self.data.clone(),
            header: self.header,
            func: self.func,
            line: self.line,
            core_relo: self.core_relo,
            swapped: self.swapped,
            swapped_data: RaceOnce::new(),
        }
    }
}

impl fmt::Debug for BtfExt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BtfExt")
            .field("len", &self.data.len())
            .field("header", &self.header)
            .field("endianness", &self.endianness())
            .field("func_info_sections", &self.func.map_or(0, |l| l.sec_cnt))
            .field("line_info_sections", &self.line.map_or(0, |l| l.sec_cnt))
            .field(
                "core_relo_sections",
                &self.core_relo.map_or(0, |l| l.sec_cnt),
            )
            .finish()
    }
}
