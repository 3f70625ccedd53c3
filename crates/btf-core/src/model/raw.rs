//! UAPI layouts and constants of the BTF format (`include/uapi/linux/btf.h`), as libbpf v1.7.0 reads them.
//!
//! Every field of every BTF record is a 32-bit word, so records are stored as `u32` words in native order
//! and byte order only matters when bytes enter or leave the library.

/// The BTF magic number, `0xEB9F`, as the first two bytes of the header in the data's byte order.
pub const BTF_MAGIC: u16 = 0xEB9F;
/// Length of the classic header (libbpf ≤ 1.7 writes this).
pub const HEADER_LEN_V1: u32 = 24;
/// Length of the 2026 header that adds `layout_off`/`layout_len`.
pub const HEADER_LEN_LAYOUT: u32 = 32;
/// Size of `struct btf_type` in bytes.
pub const TYPE_HEADER_LEN: usize = 12;
/// Largest string offset libbpf accepts in a string section (`BTF_MAX_STR_OFFSET`).
pub const MAX_STR_OFFSET: u32 = 0x7fff_ffff;

/// The kinds of BTF type, numbered as in the UAPI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    Unkn = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

/// Number of kinds libbpf v1.7.0 knows (`NR_BTF_KINDS`).
pub const NR_KINDS: u32 = 20;

impl Kind {
    const ALL: [Kind; NR_KINDS as usize] = [
        Kind::Unkn,
        Kind::Int,
        Kind::Ptr,
        Kind::Array,
        Kind::Struct,
        Kind::Union,
        Kind::Enum,
        Kind::Fwd,
        Kind::Typedef,
        Kind::Volatile,
        Kind::Const,
        Kind::Restrict,
        Kind::Func,
        Kind::FuncProto,
        Kind::Var,
        Kind::Datasec,
        Kind::Float,
        Kind::DeclTag,
        Kind::TypeTag,
        Kind::Enum64,
    ];

    /// The kind numbered `raw`, if libbpf v1.7.0 knows it.
    pub fn from_raw(raw: u32) -> Option<Kind> {
        Kind::ALL.get(raw as usize).copied()
    }

    /// The upper-case name bpftool and libbpf's selftests print (`STRUCT`, `FUNC_PROTO`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Unkn => "UNKNOWN",
            Kind::Int => "INT",
            Kind::Ptr => "PTR",
            Kind::Array => "ARRAY",
            Kind::Struct => "STRUCT",
            Kind::Union => "UNION",
            Kind::Enum => "ENUM",
            Kind::Fwd => "FWD",
            Kind::Typedef => "TYPEDEF",
            Kind::Volatile => "VOLATILE",
            Kind::Const => "CONST",
            Kind::Restrict => "RESTRICT",
            Kind::Func => "FUNC",
            Kind::FuncProto => "FUNC_PROTO",
            Kind::Var => "VAR",
            Kind::Datasec => "DATASEC",
            Kind::Float => "FLOAT",
            Kind::DeclTag => "DECL_TAG",
            Kind::TypeTag => "TYPE_TAG",
            Kind::Enum64 => "ENUM64",
        }
    }

    /// Words that follow the 12-byte `btf_type` header: `(fixed, per vlen element)`.
    /// `None` for `UNKN`, whose records libbpf refuses to size.
    pub fn trailing_words(self) -> Option<(u32, u32)> {
        Some(match self {
            Kind::Unkn => return None,
            Kind::Int | Kind::Var | Kind::DeclTag => (1, 0),
            Kind::Array => (3, 0),
            Kind::Struct | Kind::Union | Kind::Enum64 | Kind::Datasec => (0, 3),
            Kind::Enum | Kind::FuncProto => (0, 2),
            Kind::Ptr
            | Kind::Fwd
            | Kind::Typedef
            | Kind::Volatile
            | Kind::Const
            | Kind::Restrict
            | Kind::Func
            | Kind::Float
            | Kind::TypeTag => (0, 0),
        })
    }
}

/// `BTF_INFO_KIND` as libbpf v1.7.0 decodes it (5 bits).
pub fn info_kind(info: u32) -> u32 {
    (info >> 24) & 0x1f
}

/// `BTF_INFO_VLEN` as libbpf v1.7.0 decodes it (16 bits).
pub fn info_vlen(info: u32) -> u32 {
    info & 0xffff
}

/// `BTF_INFO_KFLAG`.
pub fn info_kflag(info: u32) -> bool {
    info >> 31 != 0
}

/// INT encoding bits (`BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`).
pub const INT_SIGNED: u32 = 1;
pub const INT_CHAR: u32 = 2;
pub const INT_BOOL: u32 = 4;

/// The header fields, in native order. `layout_off`/`layout_len` are zero for 24-byte headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub magic: u16,
    pub version: u8,
    pub flags: u8,
    pub hdr_len: u32,
    pub type_off: u32,
    pub type_len: u32,
    pub str_off: u32,
    pub str_len: u32,
    pub layout_off: u32,
    pub layout_len: u32,
}

/// One entry of the 2026 kind layout section: how to size records of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindLayout {
    /// Bytes after the 12-byte `btf_type` header.
    pub info_sz: u8,
    /// Bytes per vlen element.
    pub elem_sz: u8,
    pub flags: u16,
}

/// Length in words of a record of a kind libbpf 1.7 knows, from its header words (`name_off`,
/// `info`, ...); `None` for UNKN and unknown kinds or a header shorter than two words.
pub fn record_len_words(header: &[u32]) -> Option<usize> {
    let info = *header.get(1)?;
    let (fixed, per) = Kind::from_raw(info_kind(info))?.trailing_words()?;
    Some(3 + (fixed + per * info_vlen(info)) as usize)
}
