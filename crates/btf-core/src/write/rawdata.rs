//! Serialising a [`Btf`] back to bytes (`btf__raw_data`): header, types, strings, in the object's
//! byte order. Like libbpf, an unmodified object read from native-order bytes gives those bytes
//! back unchanged, gaps and all; everything else is rebuilt, always in the canonical layout.

use std::borrow::Cow;

use crate::model::btf::{Btf, Endianness};
use crate::model::raw::{HEADER_LEN_V1, Kind, info_kind, info_vlen};

fn put_u32(out: &mut Vec<u8>, v: u32, endian: Endianness) {
    out.extend_from_slice(&match endian {
        Endianness::Little => v.to_le_bytes(),
        Endianness::Big => v.to_be_bytes(),
    });
}

impl Btf {
    /// The raw BTF bytes of this object in its byte order (see [`Btf::set_endianness`]).
    ///
    /// An unmodified object read from native-order bytes gives back exactly those bytes, as
    /// libbpf does, whatever their layout (a gap before the types or the strings, trailing
    /// bytes, a header shorter than 24 bytes that the sections overlap). Everything else — any
    /// modification, the other byte order — is rebuilt in the canonical layout, which always
    /// parses again: a header of at least 24 bytes (`hdr_len` 24, or the longer header as read:
    /// its kind layout fields rewritten, other extra bytes kept in native order and dropped in
    /// the other, where readers take only 24 or 32 bytes), the types at `type_off` 0, the
    /// kind layout section if any right after them, the strings right after that. libbpf 1.7.0
    /// instead writes the header fields as read, so its rebuilt output of such input does not
    /// parse (stale `type_off`/`str_off`), or it reads past its header buffer (`hdr_len` < 24).
    pub fn raw_data(&self) -> Cow<'_, [u8]> {
        self.raw_data_in(self.endianness())
    }

    /// The raw BTF bytes in `endian` order (the kernel takes native order); see [`Btf::raw_data`].
    pub fn raw_data_in(&self, endian: Endianness) -> Cow<'_, [u8]> {
        if let Some(original) = &self.original {
            if !self.modified.get() && endian == Endianness::native() {
                return Cow::Borrowed(&original[..]);
            }
        }
        Cow::Owned(self.build_raw(endian))
    }

    /// Canonical header (with the extra bytes read, kind layout fields rewritten), type records,
    /// kind layout entries, strings — in `endian` order. Offsets and lengths come from the
    /// sections themselves, never from the header as read.
    fn build_raw(&self, endian: Endianness) -> Vec<u8> {
        let h = &self.header;
        let type_len = self.types.len() * 4;
        // The 32-byte header's kind layout fields: the section follows the types.
        let mut extra = self.header_extra.clone();
        if endian != Endianness::native() && extra.len() != 8 {
            // In the other byte order readers (libbpf 1.7 and ours) take only a 24- or 32-byte
            // header: keep the kind layout fields, drop other extra bytes, so the output parses.
            extra.truncate(if extra.len() > 8 { 8 } else { 0 });
        }
        let layout_len = if extra.len() >= 8 {
            self.layout.len() * 4
        } else {
            0
        };
        if extra.len() >= 8 {
            let (off, len) = if layout_len == 0 {
                (0, 0)
            } else {
                (type_len, layout_len)
            };
            let mut fields = Vec::with_capacity(8);
            put_u32(&mut fields, off as u32, endian);
            put_u32(&mut fields, len as u32, endian);
            extra[..8].copy_from_slice(&fields);
        }
        let hdr_len = HEADER_LEN_V1 as usize + extra.len();
        let size = hdr_len + type_len + layout_len + self.strings.len();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&match endian {
            Endianness::Little => h.magic.to_le_bytes(),
            Endianness::Big => h.magic.to_be_bytes(),
        });
        out.push(h.version);
        out.push(h.flags);
        for v in [
            hdr_len,
            0,
            type_len,
            type_len + layout_len,
            self.strings.len(),
        ] {
            put_u32(&mut out, v as u32, endian);
        }
        out.extend_from_slice(&extra);
        match endian {
            Endianness::Little => out.extend(self.types.iter().flat_map(|w| w.to_le_bytes())),
            Endianness::Big => out.extend(self.types.iter().flat_map(|w| w.to_be_bytes())),
        }
        if endian != Endianness::native() {
            let types_at = out.len() - type_len;
            self.unswap_past_vlen(&mut out[types_at..]);
        }
        if layout_len != 0 {
            for l in &self.layout {
                out.push(l.info_sz);
                out.push(l.elem_sz);
                out.extend_from_slice(&match endian {
                    Endianness::Little => l.flags.to_le_bytes(),
                    Endianness::Big => l.flags.to_be_bytes(),
                });
            }
        }
        out.extend_from_slice(&self.strings);
        out
    }

    /// libbpf byte-swaps a record only as far as its 16-bit `vlen` reaches; the members of a type
    /// that grew past 65,535 of them (libbpf's vlen spill) stay in native order. `types` holds the
    /// swapped type section; restores native order in those tails.
    fn unswap_past_vlen(&self, types: &mut [u8]) {
        for (i, &start) in self.type_offs.iter().enumerate() {
            let start = start as usize;
            let end = self
                .type_offs
                .get(i + 1)
                .map_or(self.types.len(), |&e| e as usize);
            let info = self.types[start + 1];
            let Some((fixed, per)) = Kind::from_raw(info_kind(info)).and_then(Kind::trailing_words)
            else {
                continue;
            };
            let swapped = start + 3 + (fixed + per * info_vlen(info)) as usize;
            for (w, word) in self.types.iter().enumerate().take(end).skip(swapped) {
                types[w * 4..w * 4 + 4].copy_from_slice(&word.to_ne_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::btf::{Btf, Endianness};

    fn swapped() -> Endianness {
        match Endianness::native() {
            Endianness::Little => Endianness::Big,
            Endianness::Big => Endianness::Little,
        }
    }

    /// libbpf swaps a struct only as far as its 16-bit vlen reaches: after 65,536 members the vlen
    /// reads 0, so the members stay in native order (found by tests/write_differential.rs).
    #[test]
    fn members_past_the_16_bit_vlen_stay_native_when_swapped() {
        let mut btf = Btf::new_empty();
        btf.add_int("int", 4, 1).unwrap();
        btf.add_struct("big", 4).unwrap();
        for _ in 0..65_536 {
            btf.add_field("", 1, 0, 0).unwrap();
        }
        let raw = btf.raw_data_in(swapped()).into_owned();
        // [1] INT: 16 bytes; [2] STRUCT header at 24 + 16, members from 24 + 28.
        let first_member_type = &raw[24 + 28 + 4..24 + 28 + 8];
        assert_eq!(first_member_type, 1u32.to_ne_bytes());
        // One more member: vlen wraps to 1, so exactly the first member is swapped again.
        btf.add_field("", 1, 0, 0).unwrap();
        let raw = btf.raw_data_in(swapped()).into_owned();
        assert_eq!(
            &raw[24 + 28 + 4..24 + 28 + 8],
            1u32.swap_bytes().to_ne_bytes()
        );
        assert_eq!(&raw[24 + 40 + 4..24 + 40 + 8], 1u32.to_ne_bytes());
    }
}
