//! The three kinds of `.BTF.ext` record, decoded to native integers: what clang wrote for each
//! function (`bpf_func_info`), each source line (`bpf_line_info`) and each CO-RE relocation
//! (`bpf_core_relo`). Records longer than these (a newer compiler's) keep only the known prefix.

/// One `bpf_func_info`: the BTF `FUNC` type of the function that starts at `insn_off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FuncInfo {
    /// Byte offset of the function's first instruction within its ELF section.
    pub insn_off: u32,
    /// Id of the function's `FUNC` type in the object's BTF.
    pub type_id: u32,
}

/// One `bpf_line_info`: the source position of the instruction at `insn_off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineInfo {
    /// Byte offset of the instruction within its ELF section.
    pub insn_off: u32,
    /// Offset of the source file name in the BTF string section.
    pub file_name_off: u32,
    /// Offset of the source line's text in the BTF string section.
    pub line_off: u32,
    /// Line number (upper 22 bits) and column (lower 10 bits), as the kernel packs them.
    pub line_col: u32,
}

impl LineInfo {
    /// The 1-based source line number.
    pub fn line(&self) -> u32 {
        self.line_col >> 10
    }

    /// The source column (0 when unknown).
    pub fn column(&self) -> u32 {
        self.line_col & 0x3ff
    }
}

/// One `bpf_core_relo`: an instruction whose immediate or offset depends on the target kernel's
/// types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CoreRelo {
    /// Byte offset of the instruction to patch within its ELF section.
    pub insn_off: u32,
    /// Id of the local (object BTF) root type the access starts from.
    pub type_id: u32,
    /// Offset in the BTF string section of the access string, e.g. `"0:1:3"`.
    pub access_str_off: u32,
    /// The relocation kind as a raw number (see [`CoreReloKind`]).
    pub kind: u32,
}

/// The CO-RE relocation kinds (`enum bpf_core_relo_kind` of the kernel's UAPI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum CoreReloKind {
    /// `bpf_core_field_offset`: the field's byte offset.
    FieldByteOffset = 0,
    /// `bpf_core_field_size`: the field's byte size.
    FieldByteSize = 1,
    /// `bpf_core_field_exists`: 1 when the field exists in the target.
    FieldExists = 2,
    /// Whether the field is a signed integer.
    FieldSigned = 3,
    /// Left shift that moves a bitfield to the top of a u64.
    FieldLshiftU64 = 4,
    /// Right shift that moves it back down, sign- or zero-extending.
    FieldRshiftU64 = 5,
    /// `bpf_core_type_id_local`: the type id in the object's BTF.
    TypeIdLocal = 6,
    /// `bpf_core_type_id_kernel`: the type id in the target BTF.
    TypeIdTarget = 7,
    /// `bpf_core_type_exists`: 1 when a compatible type exists in the target.
    TypeExists = 8,
    /// `bpf_core_type_size`: the target type's byte size.
    TypeSize = 9,
    /// `bpf_core_enum_value_exists`: 1 when the enumerator exists in the target.
    EnumvalExists = 10,
    /// `bpf_core_enum_value`: the enumerator's value in the target.
    EnumvalValue = 11,
    /// `bpf_core_type_matches`: 1 when the target type matches the local one exactly.
    TypeMatches = 12,
}

impl CoreReloKind {
    /// The kind with this raw number, if it is one.
    pub fn from_raw(raw: u32) -> Option<Self> {
        use CoreReloKind::*;
        Some(match raw {
            0 => FieldByteOffset,
            1 => FieldByteSize,
            2 => FieldExists,
            3 => FieldSigned,
            4 => FieldLshiftU64,
            5 => FieldRshiftU64,
            6 => TypeIdLocal,
            7 => TypeIdTarget,
            8 => TypeExists,
            9 => TypeSize,
            10 => EnumvalExists,
            11 => EnumvalValue,
            12 => TypeMatches,
            _ => return None,
        })
    }

    /// libbpf's name for the kind in its debug log (`core_relo_kind_str`), e.g. `"byte_off"`.
    pub fn libbpf_name(self) -> &'static str {
        use CoreReloKind::*;
        match self {
            FieldByteOffset => "byte_off",
            FieldByteSize => "byte_sz",
            FieldExists => "field_exists",
            FieldSigned => "signed",
            FieldLshiftU64 => "lshift_u64",
            FieldRshiftU64 => "rshift_u64",
            TypeIdLocal => "local_type_id",
            TypeIdTarget => "target_type_id",
            TypeExists => "type_exists",
            TypeMatches => "type_matches",
            TypeSize => "type_size",
            EnumvalExists => "enumval_exists",
            EnumvalValue => "enumval_value",
        }
    }

    /// Whether the kind reads a field (an access string of member indices).
    pub fn is_field_based(self) -> bool {
        (self as u32) <= 5
    }

    /// Whether the kind is about a whole type.
    pub fn is_type_based(self) -> bool {
        matches!(self as u32, 6..=9 | 12)
    }

    /// Whether the kind is about an enumerator.
    pub fn is_enumval_based(self) -> bool {
        matches!(self as u32, 10 | 11)
    }
}
