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
    /// `BTF_KIND_UNKN` (0): not a type; id 0 is void.
    Unkn = 0,
    /// `BTF_KIND_INT`: an integer with encoding, bit offset and width.
    Int = 1,
    /// `BTF_KIND_PTR`: a pointer to `type`.
    Ptr = 2,
    /// `BTF_KIND_ARRAY`: element type, index type and element count in a `btf_array`.
    Array = 3,
    /// `BTF_KIND_STRUCT`: `size` bytes, `vlen` members.
    Struct = 4,
    /// `BTF_KIND_UNION`: `size` bytes, `vlen` members at offset 0 or bitfields.
    Union = 5,
    /// `BTF_KIND_ENUM`: 32-bit enumerators (signed when the kind flag is set).
    Enum = 6,
    /// `BTF_KIND_FWD`: a forward declaration of a struct (kind flag clear) or union (set).
    Fwd = 7,
    /// `BTF_KIND_TYPEDEF`: a name for `type`.
    Typedef = 8,
    /// `BTF_KIND_VOLATILE`: the `volatile` modifier of `type`.
    Volatile = 9,
    /// `BTF_KIND_CONST`: the `const` modifier of `type`.
    Const = 10,
    /// `BTF_KIND_RESTRICT`: the `restrict` modifier of `type`.
    Restrict = 11,
    /// `BTF_KIND_FUNC`: a function; `type` is its FUNC_PROTO, `vlen` its linkage.
    Func = 12,
    /// `BTF_KIND_FUNC_PROTO`: return type in `type`, `vlen` parameters.
    FuncProto = 13,
    /// `BTF_KIND_VAR`: a variable of `type`, with a linkage word.
    Var = 14,
    /// `BTF_KIND_DATASEC`: an ELF data section and the variables in it.
    Datasec = 15,
    /// `BTF_KIND_FLOAT`: a floating-point type of `size` bytes.
    Float = 16,
    /// `BTF_KIND_DECL_TAG`: a `btf_decl_tag` attribute on a type, member or parameter.
    DeclTag = 17,
    /// `BTF_KIND_TYPE_TAG`: a `btf_type_tag` attribute on a pointee type.
    TypeTag = 18,
    /// `BTF_KIND_ENUM64`: 64-bit enumerators (signed when the kind flag is set).
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
/// `BTF_INT_CHAR`: a character type (pretty-printers show it as a character).
pub const INT_CHAR: u32 = 2;
/// `BTF_INT_BOOL`: a boolean.
pub const INT_BOOL: u32 = 4;

/// The header fields, in native order. `layout_off`/`layout_len` are zero for 24-byte headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// `BTF_MAGIC`, 0xeB9F, in the data's byte order (how the byte order is detected).
    pub magic: u16,
    /// Format version: 1.
    pub version: u8,
    /// Header flags: 0 (none are defined).
    pub flags: u8,
    /// Header length in bytes: 24, or 32 with the kind layout section; sections start after it.
    pub hdr_len: u32,
    /// Type section offset, relative to the end of the header.
    pub type_off: u32,
    /// Type section length in bytes.
    pub type_len: u32,
    /// String section offset, relative to the end of the header.
    pub str_off: u32,
    /// String section length in bytes.
    pub str_len: u32,
    /// Kind layout section offset, relative to the end of the header (32-byte header only; else 0).
    pub layout_off: u32,
    /// Kind layout section length in bytes (32-byte header only; else 0).
    pub layout_len: u32,
}

/// One entry of the 2026 kind layout section: how to size records of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindLayout {
    /// Bytes after the 12-byte `btf_type` header.
    pub info_sz: u8,
    /// Bytes per vlen element.
    pub elem_sz: u8,
    /// Flags of the kind (none are defined yet: 0).
    pub flags: u16,
}

/// Length in words of a record of a kind libbpf 1.7 knows, from its header words (`name_off`,
/// `info`, ...); `None` for UNKN and unknown kinds or a header shorter than two words.
pub fn record_len_words(header: &[u32]) -> Option<usize> {
    let info = *header.get(1)?;
    let (fixed, per) = Kind::from_raw(info_kind(info))?.trailing_words()?;
    Some(3 + (fixed + per * info_vlen(info)) as usize)
}
