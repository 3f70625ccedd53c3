//! A tiny raw-BTF encoder for unit tests: records are pushed as words, strings are appended, and
//! `bytes` lays out header, types and strings in either byte order; and a small `.BTF.ext` in
//! this machine's byte order.

use crate::model::btf::Endianness;

pub(crate) struct RawBtf {
    pub types: Vec<u32>,
    pub strs: Vec<u8>,
}

pub(crate) fn info(kind: u32, kflag: bool, vlen: u32) -> u32 {
    (u32::from(kflag) << 31) | (kind << 24) | vlen
}

impl RawBtf {
    /// Base BTF: strings start with the empty string.
    pub fn base() -> Self {
        RawBtf {
            types: Vec::new(),
            strs: vec![0],
        }
    }
    /// Split BTF: strings continue the base's, no leading NUL.
    pub fn split() -> Self {
        RawBtf {
            types: Vec::new(),
            strs: Vec::new(),
        }
    }
    /// Appends `s` and returns its offset within this section plus `start`.
    pub fn str_at(&mut self, start: u32, s: &str) -> u32 {
        let off = start + self.strs.len() as u32;
        self.strs.extend_from_slice(s.as_bytes());
        self.strs.push(0);
        off
    }
    pub fn str(&mut self, s: &str) -> u32 {
        self.str_at(0, s)
    }
    pub fn push(&mut self, words: &[u32]) -> &mut Self {
        self.types.extend_from_slice(words);
        self
    }
    /// Header (`hdr_len` bytes, extra fields zero), types, strings.
    pub fn bytes(&self, endian: Endianness, hdr_len: u32) -> Vec<u8> {
        let type_len = self.types.len() as u32 * 4;
        let mut hdr = vec![0u32; (hdr_len / 4) as usize];
        hdr[1] = hdr_len;
        hdr[3] = type_len;
        hdr[4] = type_len;
        hdr[5] = self.strs.len() as u32;
        let word = |w: u32| match endian {
            Endianness::Little => w.to_le_bytes(),
            Endianness::Big => w.to_be_bytes(),
        };
        let mut out = Vec::new();
        let magic = match endian {
            Endianness::Little => 0xEB9Fu16.to_le_bytes(),
            Endianness::Big => 0xEB9Fu16.to_be_bytes(),
        };
        out.extend_from_slice(&magic);
        out.extend_from_slice(&[1, 0]);
        for &w in &hdr[1..] {
            out.extend_from_slice(&word(w));
        }
        for &w in &self.types {
            out.extend_from_slice(&word(w));
        }
        out.extend_from_slice(&self.strs);
        out
    }
    pub fn le(&self) -> Vec<u8> {
        self.bytes(Endianness::Little, 24)
    }
}

/// A native-order `.BTF.ext`: one func_info block, one line_info block, one core_relo block,
/// all of section `sec`: functions `funcs`, one line (`file`, `line`), one relocation
/// (`relo_type`, `access`).
pub(crate) fn ext_bytes(
    sec: u32,
    funcs: &[u32],
    file: u32,
    line: u32,
    relo_type: u32,
    access: u32,
) -> Vec<u8> {
    let mut func = vec![8, sec, funcs.len() as u32];
    for (i, &f) in funcs.iter().enumerate() {
        func.extend([i as u32 * 64, f]);
    }
    let line = [16, sec, 1, 0, file, line, 7 << 10];
    let core = [16, sec, 1, 8, relo_type, access, 0];
    let (fl, ll, cl) = (func.len() as u32 * 4, 28, 28);
    let mut out = Vec::new();
    out.extend(0xeb9fu16.to_ne_bytes());
    out.extend([1, 0]);
    let words = [32, 0, fl, fl, ll, fl + ll, cl];
    for w in words.iter().chain(&func).chain(&line).chain(&core) {
        out.extend(w.to_ne_bytes());
    }
    out
}
