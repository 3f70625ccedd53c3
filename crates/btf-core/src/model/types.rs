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

    /// The type id of this record.
    pub fn id(&self) -> u32 {
        self.id
    }
    /// All words of the record, header first (what libbpf's `const struct btf_type *` points at).
    pub fn words(&self) -> &'a [u32] {
        self.rec
    }
    /// The `name_off` word: the name's offset in the string section (0: anonymous); see [`Btf::str_bytes`](crate::Btf::str_bytes).
    pub fn name_off(&self) -> u32 {
        self.rec[0]
    }
    /// The raw `info` word: vlen (bits 0..16), kind (24..29), kind flag (31).
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
    /// Whether the record is of `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kind_raw() == kind as u32
    }
    /// The vlen of `info`: members, enumerators, parameters or DATASEC entries; a FUNC's linkage.
    pub fn vlen(&self) -> u32 {
        raw::info_vlen(self.rec[1])
    }
    /// The kind flag of `info`: bitfield member offsets (STRUCT/UNION), signed (ENUM/ENUM64), union (FWD), attribute (DECL_TAG/TYPE_TAG).
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
    /// The INT encoding: a combination of [`INT_SIGNED`](crate::raw::INT_SIGNED), [`INT_CHAR`](crate::raw::INT_CHAR) and [`INT_BOOL`](crate::raw::INT_BOOL) (`BTF_INT_ENCODING`).
    pub fn int_encoding(&self) -> u32 {
        (self.int_data() >> 24) & 0x0f
    }
    /// The INT's bit offset (`BTF_INT_OFFSET`; 0 in everything compilers emit).
    pub fn int_offset(&self) -> u32 {
        (self.int_data() >> 16) & 0xff
    }
    /// The INT's width in bits (`BTF_INT_BITS`).
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
    /// Type id of the elements.
    pub elem_type: u32,
    /// Type id of the index (an INT; libbpf ignores it).
    pub index_type: u32,
    /// Number of elements (0 for a flexible array).
    pub nelems: u32,
}

/// `struct btf_member`, with the owner's kind flag to decode `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Name offset of the member (0: anonymous).
    pub name_off: u32,
    /// Type id of the member.
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
    /// Name offset of the enumerator.
    pub name_off: u32,
    /// Value as stored; read it as `i32` when the enum is signed (kind flag set).
    pub val: u32,
}

/// `struct btf_enum64`, value joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enum64Value {
    /// Name offset of the enumerator.
    pub name_off: u32,
    /// Value with its two 32-bit halves joined; read it as `i64` when the enum is signed.
    pub val: u64,
}

/// `struct btf_param`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// Name offset of the parameter (0: unnamed; with type 0 as the last parameter: `...`).
    pub name_off: u32,
    /// Type id of the parameter (0 for the variadic `...`).
    pub type_id: u32,
}

/// `struct btf_var_secinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarSecinfo {
    /// Type id of the VAR (or FUNC) placed in the section.
    pub type_id: u32,
    /// Byte offset of the variable in the section.
    pub offset: u32,
    /// Size of the variable in bytes.
    pub size: u32,
}
