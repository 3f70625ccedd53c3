//! Borrowed views of type records (`struct btf_type` plus its kind-specific tail) and iterators over
//! members, enum values, parameters and DATASEC entries — the Rust face of libbpf's inline helpers
//! (`btf_members`, `btf_enum`, `btf_params`, ...).

use crate::model::raw::{self, Kind};

/// One type record, borrowed from its [`Btf`](crate::Btf): its id and its words (header + tail).
#[derive(Clone, Copy, Debug)]
pub struct TypeRef<'a> {
    id: u32,
    rec: &'a [u32],
}

/// The record of type id 0, `void`: kind UNKN, no name, no size.
pub(crate) static VOID_RECORD: [u32; 3] = [0, 0, 0];

impl<'a> TypeRef<'a> {
    /// `rec` must hold at least the 3-word header; the parser guarantees it holds the whole tail.
    pub(crate) fn new(id: u32, rec: &'a [u32]) -> Self {
        debug_assert!(rec.len() >= 3);
        TypeRef { id, rec }
    }

    pub fn id(&self) -> u32 {
        self.id
    }
    /// All words of the record, header first (what libbpf's `const struct btf_type *` points at).
    pub fn words(&self) -> &'a [u32] {
        self.rec
    }
    pub fn name_off(&self) -> u32 {
        self.rec[0]
    }
    pub fn info(&self) -> u32 {
        self.rec[1]
    }
    /// The raw kind number (0..=31).
    pub fn kind_raw(&self) -> u32 {
        raw::info_kind(self.rec[1])
    }
    /// The kind, if libbpf v1.7.0 knows it.
    pub fn kind(&self) -> Option<Kind> {
        Kind::from_raw(self.kind_raw())
    }
    pub fn is(&self, kind: Kind) -> bool {
        self.kind_raw() == kind as u32
    }
    pub fn vlen(&self) -> u32 {
        raw::info_vlen(self.rec[1])
    }
    pub fn kflag(&self) -> bool {
        raw::info_kflag(self.rec[1])
    }
    /// The `size` arm of the header union (INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT).
    pub fn size(&self) -> u32 {
        self.rec[2]
    }
    /// The `type` arm of the header union (PTR, TYPEDEF, modifiers, FUNC, VAR, DECL_TAG, FUNC_PROTO return).
    pub fn type_id(&self) -> u32 {
        self.rec[2]
    }
    /// Word `i` of the tail after the header, or 0 if the record is shorter.
    fn tail(&self, i: usize) -> u32 {
        self.rec.get(3 + i).copied().unwrap_or(0)
    }
    /// The INT data word: encoding (bits 24..28), bit offset (16..24), bits (0..8).
    pub fn int_data(&self) -> u32 {
        self.tail(0)
    }
    pub fn int_encoding(&self) -> u32 {
        (self.int_data() >> 24) & 0x0f
    }
    pub fn int_offset(&self) -> u32 {
        (self.int_data() >> 16) & 0xff
    }
    pub fn int_bits(&self) -> u32 {
        self.int_data() & 0xff
    }
    /// ARRAY: element type, index type, element count.
    pub fn array(&self) -> Array {
        Array {
            elem_type: self.tail(0),
            index_type: self.tail(1),
            nelems: self.tail(2),
        }
    }
    /// VAR linkage.
    pub fn var_linkage(&self) -> u32 {
        self.tail(0)
    }
    /// DECL_TAG component index (-1 for the whole type).
    pub fn decl_tag_component_idx(&self) -> i32 {
        self.tail(0) as i32
    }
    fn elems<const N: usize>(&self) -> impl ExactSizeIterator<Item = [u32; N]> + 'a {
        let tail = self.rec.get(3..).unwrap_or(&[]);
        tail.chunks_exact(N).take(self.vlen() as usize).map(|c| {
            let mut e = [0u32; N];
            e.copy_from_slice(c);
            e
        })
    }
    /// STRUCT/UNION members.
    pub fn members(&self) -> impl ExactSizeIterator<Item = Member> + 'a {
        let kflag = self.kflag();
        self.elems::<3>()
            .map(move |[name_off, type_id, offset]| Member {
                name_off,
                type_id,
                offset,
                kflag,
            })
    }
    /// ENUM values as stored (a 32-bit word; signed when the kind flag is set).
    pub fn enum_values(&self) -> impl ExactSizeIterator<Item = EnumValue> + 'a {
        self.elems::<2>()
            .map(|[name_off, val]| EnumValue { name_off, val })
    }
    /// ENUM64 values, low and high words joined.
    pub fn enum64_values(&self) -> impl ExactSizeIterator<Item = Enum64Value> + 'a {
        self.elems::<3>().map(|[name_off, lo, hi]| Enum64Value {
            name_off,
            val: (u64::from(hi) << 32) | u64::from(lo),
        })
    }
    /// FUNC_PROTO parameters.
    pub fn params(&self) -> impl ExactSizeIterator<Item = Param> + 'a {
        self.elems::<2>()
            .map(|[name_off, type_id]| Param { name_off, type_id })
    }
    /// DATASEC entries.
    pub fn datasec_vars(&self) -> impl ExactSizeIterator<Item = VarSecinfo> + 'a {
        self.elems::<3>().map(|[type_id, offset, size]| VarSecinfo {
            type_id,
            offset,
            size,
        })
    }
}

/// `struct btf_array`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Array {
    pub elem_type: u32,
    pub index_type: u32,
    pub nelems: u32,
}

/// `struct btf_member`, with the owner's kind flag to decode `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub name_off: u32,
    pub type_id: u32,
    /// The raw offset word.
    pub offset: u32,
    kflag: bool,
}

impl Member {
    /// Bit offset of the member (low 24 bits when the owner has the kind flag).
    pub fn bit_offset(&self) -> u32 {
        if self.kflag {
            self.offset & 0x00ff_ffff
        } else {
            self.offset
        }
    }
    /// Bitfield size, 0 for an ordinary member.
    pub fn bitfield_size(&self) -> u32 {
        if self.kflag { self.offset >> 24 } else { 0 }
    }
}

/// `struct btf_enum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue {
    pub name_off: u32,
    pub val: u32,
}

/// `struct btf_enum64`, value joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enum64Value {
    pub name_off: u32,
    pub val: u64,
}

/// `struct btf_param`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name_off: u32,
    pub type_id: u32,
}

/// `struct btf_var_secinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarSecinfo {
    pub type_id: u32,
    pub offset: u32,
    pub size: u32,
}
