//! CO-RE ("compile once, run everywhere") relocation resolution with libbpf v1.7.0's semantics:
//! candidate search (`bpf_core_find_cands`, `bpf_core_add_cands`, `bpf_core_essential_name_len`),
//! type compatibility (`bpf_core_types_are_compat`, `bpf_core_types_match`), access-string specs
//! (`bpf_core_parse_spec`, `bpf_core_spec_match`, `bpf_core_format_spec`), relocation values
//! (`bpf_core_calc_relo_insn`), instruction patching (`bpf_core_patch_insn`) and the whole-object
//! loop of `bpf_object__relocate_core` — each step also renders the lines libbpf logs for it.
//!
//! The inputs are plain: the object's BTF, its `bpf_core_relo` records (see
//! [`crate::ext::CoreRelo`]), and for each record the program it belongs to and the instruction
//! index within that program, which the caller's ELF reader knows.
//!
//! ```no_run
//! use btf_core::Btf;
//! use btf_core::co_re::{CandidateCache, Targets, resolve_relo, ResolveOptions};
//! use btf_core::ext::CoreRelo;
//! # fn f(local: &Btf, vmlinux: &Btf, relo: CoreRelo) {
//! let targets = Targets::custom(vmlinux);
//! let mut cache = CandidateCache::default();
//! let r = resolve_relo("prog", 0, local, &relo, &mut cache, &targets, &ResolveOptions::default());
//! for line in &r.log {
//!     eprintln!("{line}");
//! }
//! # }
//! ```

mod cands;
mod compat;
mod log;
mod patch;
mod relo;
mod spec;

pub use cands::{
    Candidate, CandidateCache, Targets, essential_name_len, find_cands, kind_core_compat,
};
pub use compat::{fields_are_compat, types_are_compat, types_match};
pub use log::{LogLevel, LogLine, errstr};
pub use patch::{Insn, POISON_IMM, PatchOutcome, Patched, patch_insn, patch_insn_bytes};
pub use relo::{
    CandidateOutcome, ProgSite, ReloOutcome, ReloRes, ReloSection, ReloSite, RelocateReport,
    Resolution, ResolveOptions, relocate_object, resolve_relo,
};
pub use spec::{Accessor, SPEC_MAX_LEN, Spec, format_spec, parse_spec, spec_match};

use std::fmt;

/// `EINVAL`.
pub const EINVAL: i32 = 22;
/// `ENOENT`.
pub const ENOENT: i32 = 2;
/// `E2BIG`.
pub const E2BIG: i32 = 7;
/// `ERANGE`.
pub const ERANGE: i32 = 34;
/// `EOPNOTSUPP`.
pub const EOPNOTSUPP: i32 = 95;
/// `EUCLEAN`: libbpf's internal "poison the instruction" signal.
pub const EUCLEAN: i32 = 117;

/// A CO-RE failure: the positive errno libbpf returns for it and a sentence saying what failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreError {
    /// Positive errno (`EINVAL`, `E2BIG`, ...), as libbpf returns it negated.
    pub errno: i32,
    /// What went wrong, in our words.
    pub message: String,
}

impl CoreError {
    pub(crate) fn new(errno: i32, message: impl Into<String>) -> Self {
        CoreError {
            errno,
            message: message.into(),
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, errstr(self.errno))
    }
}

impl std::error::Error for CoreError {}

impl From<CoreError> for crate::Error {
    fn from(e: CoreError) -> Self {
        let kind = match e.errno {
            EINVAL => crate::ErrorKind::Invalid,
            ENOENT => crate::ErrorKind::NotFound,
            E2BIG => crate::ErrorKind::TooBig,
            n => crate::ErrorKind::Os(n),
        };
        crate::Error::new(kind, e.message)
    }
}

/// Kind predicates on the raw relocation kind (unknown kinds are none of them).
pub(crate) fn kind_is_field(kind: u32) -> bool {
    kind <= 5
}
pub(crate) fn kind_is_type(kind: u32) -> bool {
    matches!(kind, 6..=9 | 12)
}
pub(crate) fn kind_is_enumval(kind: u32) -> bool {
    matches!(kind, 10 | 11)
}
/// libbpf's `core_relo_kind_str`, `"unknown"` for numbers it does not know.
pub(crate) fn kind_str(kind: u32) -> &'static str {
    crate::ext::CoreReloKind::from_raw(kind).map_or("unknown", |k| k.libbpf_name())
}

/// libbpf's `btf_kind_str`: the lower-case kind name used in CO-RE messages.
pub(crate) fn btf_kind_str(kind: u32) -> &'static str {
    match kind {
        0 => "void",
        1 => "int",
        2 => "ptr",
        3 => "array",
        4 => "struct",
        5 => "union",
        6 => "enum",
        7 => "fwd",
        8 => "typedef",
        9 => "volatile",
        10 => "const",
        11 => "restrict",
        12 => "func",
        13 => "func_proto",
        14 => "var",
        15 => "datasec",
        16 => "float",
        17 => "decl_tag",
        18 => "type_tag",
        19 => "enum64",
        _ => "unknown",
    }
}

/// `skip_mods_and_typedefs`: follows CONST/VOLATILE/RESTRICT/TYPE_TAG and TYPEDEF to the first
/// other type, returning it and its id. `None` for a missing id or a reference cycle (libbpf
/// would crash or loop on those).
pub(crate) fn skip_mods_and_typedefs(
    btf: &crate::Btf,
    mut id: u32,
) -> Option<(crate::TypeRef<'_>, u32)> {
    use crate::Kind;
    let mut t = btf.type_by_id(id)?;
    let mut steps = 0u32;
    while matches!(
        t.kind(),
        Some(Kind::Const | Kind::Volatile | Kind::Restrict | Kind::TypeTag | Kind::Typedef)
    ) {
        steps += 1;
        if steps > btf.type_cnt() {
            return None;
        }
        id = t.type_id();
        t = btf.type_by_id(id)?;
    }
    Some((t, id))
}

/// Whether `t` is ENUM or ENUM64.
pub(crate) fn is_any_enum(t: &crate::TypeRef<'_>) -> bool {
    matches!(t.kind_raw(), 6 | 19)
}

/// Whether `t` is STRUCT or UNION.
pub(crate) fn is_composite(t: &crate::TypeRef<'_>) -> bool {
    matches!(t.kind_raw(), 4 | 5)
}

/// The name at `off` as bytes, `""` when the offset does not resolve (libbpf's
/// `btf__name_by_offset` returns NULL there; every CO-RE caller treats that like empty or fails).
pub(crate) fn name_at(btf: &crate::Btf, off: u32) -> &[u8] {
    btf.str_bytes(off).unwrap_or(b"")
}

/// Bytes as text for messages.
pub(crate) fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

#[cfg(test)]
mod tests;
