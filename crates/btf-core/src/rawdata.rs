//! Serialising a [`Btf`] back to bytes (`btf__raw_data`): header, types, strings, in the object's
//! byte order. Like libbpf, an unmodified object read from native-order bytes that had gaps or
//! extra sections gives those bytes back unchanged; everything else is rebuilt.

use std::borrow::Cow;

use crate::btf::{Btf, Endianness};
use crate::raw::HEADER_LEN_V1;

fn put_u32(out: &mut Vec<u8>, v: u32, endian: Endianness) {
    out.extend_from_slice(&match endian {
        Endianness::Little => v.to_le_bytes(),
        Endianness::Big => v.to_be_bytes(),
    });
}

impl Btf {
    /// The raw BTF bytes of this object in its byte order (see [`Btf::set_endianness`]).
    pub fn raw_data(&self) -> Cow<'_, [u8]> {
        self.raw_data_in(self.endianness)
    }

    /// The raw BTF bytes in `endian` order (the kernel takes native order).
    pub fn raw_data_in(&self, endian: Endianness) -> Cow<'_, [u8]> {
        if let Some(original) = &self.original {
            if !self.modified && endian == Endianness::native() {
                return Cow::Borrowed(original);
            }
        }
        Cow::Owned(self.build_raw(endian))
    }

    /// Header (as read, with its extra bytes), type records, strings — in `endian` order.
    fn build_raw(&self, endian: Endianness) -> Vec<u8> {
        let h = &self.header;
        let size = HEADER_LEN_V1 as usize
            + self.header_extra.len()
            + self.types.len() * 4
            + self.strings.len();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&match endian {
            Endianness::Little => h.magic.to_le_bytes(),
            Endianness::Big => h.magic.to_be_bytes(),
        });
        out.push(h.version);
        out.push(h.flags);
        for v in [h.hdr_len, h.type_off, h.type_len, h.str_off, h.str_len] {
            put_u32(&mut out, v, endian);
        }
        out.extend_from_slice(&self.header_extra);
        match endian {
            Endianness::Little => out.extend(self.types.iter().flat_map(|w| w.to_le_bytes())),
            Endianness::Big => out.extend(self.types.iter().flat_map(|w| w.to_be_bytes())),
        }
        out.extend_from_slice(&self.strings);
        out
    }
}
