//! Typed iteration over a `.BTF.ext` info sub-section: its blocks, one per ELF section (libbpf's
//! `for_each_btf_ext_sec`), and each block's records decoded to [`FuncInfo`], [`LineInfo`] or
//! [`CoreRelo`] (`for_each_btf_ext_rec`).

use std::ffi::CStr;
use std::marker::PhantomData;

use super::parse::{BLOCK_HEADER_LEN, Layout};
use super::record::{CoreRelo, FuncInfo, LineInfo};
use crate::model::btf::Btf;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::FuncInfo {}
    impl Sealed for super::LineInfo {}
    impl Sealed for super::CoreRelo {}
}

/// A `.BTF.ext` record type: decoded from the known prefix of a record in native byte order.
pub trait ExtRecord: sealed::Sealed + Copy {
    /// The size in bytes of the record libbpf knows; longer records keep only this prefix.
    const MIN_SIZE: u32;

    /// Decodes a record from its first [`Self::MIN_SIZE`] bytes in native byte order; `None`
    /// when `bytes` is shorter.
    fn decode(bytes: &[u8]) -> Option<Self>;
}

/// The `i`-th native `u32` of `bytes`.
fn word(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(4 * i..4 * i + 4)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

impl ExtRecord for FuncInfo {
    const MIN_SIZE: u32 = 8;

    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(FuncInfo {
            insn_off: word(bytes, 0)?,
            type_id: word(bytes, 1)?,
        })
    }
}

impl ExtRecord for LineInfo {
    const MIN_SIZE: u32 = 16;

    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(LineInfo {
            insn_off: word(bytes, 0)?,
            file_name_off: word(bytes, 1)?,
            line_off: word(bytes, 2)?,
            line_col: word(bytes, 3)?,
        })
    }
}

impl ExtRecord for CoreRelo {
    const MIN_SIZE: u32 = 16;

    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(CoreRelo {
            insn_off: word(bytes, 0)?,
            type_id: word(bytes, 1)?,
            access_str_off: word(bytes, 2)?,
            kind: word(bytes, 3)?,
        })
    }
}

// The record types and the sub-sections they are read from agree on the known size.
const _: () = {
    assert!(FuncInfo::MIN_SIZE == 8 && LineInfo::MIN_SIZE == 16 && CoreRelo::MIN_SIZE == 16);
};

/// Whether the sub-sections' known record sizes are the record types' (used in tests).
#[cfg(test)]
pub(crate) fn min_sizes_agree() -> bool {
    use super::parse::InfoKind;
    InfoKind::Func.min_rec_size() == FuncInfo::MIN_SIZE
        && InfoKind::Line.min_rec_size() == LineInfo::MIN_SIZE
        && InfoKind::CoreRelo.min_rec_size() == CoreRelo::MIN_SIZE
}

/// One info sub-section of a [`BtfExt`](super::BtfExt): an iterator over its blocks, one per ELF
/// section, in file order. Empty when the sub-section is absent.
#[derive(Clone, Debug)]
pub struct InfoSections<'a, R> {
    /// The sub-section's blocks (after the record size); empty when absent.
    data: &'a [u8],
    rec_size: u32,
    sec_cnt: usize,
    _record: PhantomData<R>,
}

impl<'a, R: ExtRecord> InfoSections<'a, R> {
    pub(crate) fn new(all: &'a [u8], layout: Option<Layout>) -> Self {
        let layout = layout.unwrap_or_default();
        let data = all
            .get(layout.start..layout.start.saturating_add(layout.len))
            .unwrap_or_default();
        InfoSections {
            data,
            rec_size: layout.rec_size,
            sec_cnt: layout.sec_cnt,
            _record: PhantomData,
        }
    }

    /// The size in bytes of each record as written (at least `R::MIN_SIZE`); 0 when the
    /// sub-section is absent.
    pub fn rec_size(&self) -> u32 {
        self.rec_size
    }

    /// The number of blocks (ELF sections) found when the data was checked.
    pub fn section_count(&self) -> usize {
        self.sec_cnt
    }
}

impl<'a, R: ExtRecord> Iterator for InfoSections<'a, R> {
    type Item = InfoSection<'a, R>;

    fn next(&mut self) -> Option<Self::Item> {
        let hdr = BLOCK_HEADER_LEN as usize;
        let sec_name_off = word(self.data, 0)?;
        let num_info = word(self.data, 1)?;
        // Bounded by what is left: parsing checked the counts, this guards only against data a
        // double swap of overlapping sub-sections garbled (as libbpf would read it).
        let body = &self.data[hdr..];
        let want = u64::from(num_info) * u64::from(self.rec_size);
        let take = usize::try_from(want).map_or(body.len(), |w| w.min(body.len()));
        let (records, rest) = body.split_at(take);
        self.data = if self.rec_size == 0 { &[] } else { rest };
        Some(InfoSection {
            sec_name_off,
            num_info,
            records,
            rec_size: self.rec_size,
            _record: PhantomData,
        })
    }
}

/// One block of an info sub-section: the records of one ELF section.
#[derive(Clone, Debug)]
pub struct InfoSection<'a, R> {
    sec_name_off: u32,
    num_info: u32,
    records: &'a [u8],
    rec_size: u32,
    _record: PhantomData<R>,
}

impl<'a, R: ExtRecord> InfoSection<'a, R> {
    /// Offset of the ELF section's name (e.g. `"kprobe/do_sys_open"`) in the BTF string section.
    pub fn sec_name_off(&self) -> u32 {
        self.sec_name_off
    }

    /// The ELF section's name, read from the object's BTF; `None` when the offset is out of range.
    pub fn name<'b>(&self, btf: &'b Btf) -> Option<&'b CStr> {
        btf.str_by_offset(self.sec_name_off)
    }

    /// The number of records, as written (`num_info`).
    pub fn num_info(&self) -> u32 {
        self.num_info
    }

    /// The records, decoded from their known prefix.
    pub fn records(&self) -> Records<'a, R> {
        Records {
            data: self.records,
            rec_size: self.rec_size as usize,
            _record: PhantomData,
        }
    }
}

/// The records of one [`InfoSection`], decoded.
#[derive(Clone, Debug)]
pub struct Records<'a, R> {
    data: &'a [u8],
    rec_size: usize,
    _record: PhantomData<R>,
}

impl<R: ExtRecord> Iterator for Records<'_, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        if self.rec_size == 0 || self.data.len() < self.rec_size {
            return None;
        }
        let (rec, rest) = self.data.split_at(self.rec_size);
        self.data = rest;
        R::decode(rec)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len().checked_div(self.rec_size).unwrap_or(0);
        (n, Some(n))
    }
}

impl<R: ExtRecord> ExactSizeIterator for Records<'_, R> {}
