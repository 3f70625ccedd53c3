//! The kernel's verdict on BTF bytes (`kernel/bpf/btf.c` as of Linux 6.18): `btf_parse`, the
//! `BPF_BTF_LOAD` path, and `btf_parse_module`, the module-load path over the running vmlinux BTF.
//!
//! The checks run in the kernel's order so that the first error found is the kernel's first error,
//! and the [`Rejection`] carries the errno the syscall returns and the last line the verifier log
//! prints for it (`[id] KIND name details reason`, or a member/secinfo line). The kernel reads only
//! its own byte order; so does this module (foreign-order data fails with "Invalid magic", as in
//! the kernel).
//!
//! Modules, one job each: `header` (header, section table, string section), `meta` (the
//! per-kind `btf_*_check_meta` pass), `resolve` (`btf_check_all_types`: resolution with loop
//! detection, member checks, FUNC/FUNC_PROTO checks, type-tag placement), `log` (the verifier
//! log's text), [`env`] (type and string access across a base).
//!
//! Every step is bounded: one pass over the types for the meta checks, a resolve stack of at most
//! 32 entries, per-type state arrays sized by the input, and no recursion deeper than one level.

mod env;
mod header;
mod log;
mod meta;
mod resolve;

use std::fmt;

use crate::Btf;

/// `EINVAL`: most rejections.
pub const EINVAL: i32 = 22;
/// `E2BIG`: resolve depth exceeded, nonzero unknown header bytes, data over 16 MiB, too many types.
pub const E2BIG: i32 = 7;
/// `EEXIST`: a loop found while resolving.
pub const EEXIST: i32 = 17;
/// `ELOOP`: a modifier chain longer than 32 in the type-tag check.
pub const ELOOP: i32 = 40;
/// The kernel-internal `ENOTSUPP` (524) the syscall returns for an unknown version, flags or int
/// encoding.
pub const ENOTSUPP: i32 = 524;

/// Largest BTF `BPF_BTF_LOAD` accepts (`BTF_MAX_SIZE`, 16 MiB).
pub const BTF_MAX_SIZE: usize = 16 * 1024 * 1024;

/// The kernel's refusal of BTF: the errno the load fails with and the verifier log's last line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The type the kernel was checking (the `[id]` of its log line); `None` for header, section
    /// and string-section errors.
    pub type_id: Option<u32>,
    /// Positive errno (`EINVAL`, `E2BIG`, `EEXIST`, `ELOOP`, `ENOTSUPP`, ...).
    pub errno: i32,
    /// The verifier log's last line for this error, e.g. `[5] STRUCT foo size=4 vlen=1 Invalid name`
    /// or, for a member, `\tbar type_id=2 bits_offset=0 Member exceeds struct_size`. Empty when the
    /// kernel fails without logging (e.g. data over 16 MiB).
    pub message: String,
    /// For member and DATASEC-entry errors found while resolving, the owning type's line that the
    /// kernel prints just before `message` (`[5] STRUCT foo size=4 vlen=1`).
    pub context: Option<String>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = &self.context {
            write!(f, "{c}: ")?;
        }
        write!(f, "{} (errno {})", self.message.trim_start(), self.errno)
    }
}

impl std::error::Error for Rejection {}

/// The kernel's verdict on `data` loaded with `BPF_BTF_LOAD` (standalone BTF): header and
/// sections, every type's meta check, resolution of every type, FUNC_PROTO checks, type tags.
pub fn validate_bytes(data: &[u8]) -> Result<(), Rejection> {
    if data.len() > BTF_MAX_SIZE {
        return Err(Rejection {
            type_id: None,
            errno: E2BIG,
            message: String::new(),
            context: None,
        });
    }
    let mut env = env::Env::parse(data, None)?;
    env.check_type_section_header()?;
    env.check_all_metas()?;
    let mut r = resolve::Resolver::new(&env);
    r.check_all_types()?;
    resolve::check_type_tags(&env)
}

/// The kernel's verdict on module BTF `data` split over `base` (`btf_parse_module`): header and
/// sections, every type's meta check, and type-tag placement.
///
/// This is all the kernel checks when it loads a module: unlike `BPF_BTF_LOAD` it does not resolve
/// the types (no member-fits-struct, loop or FUNC_PROTO argument checks), it allows an empty type
/// or string section, the string section need not start with `"\0"`, type ids below
/// `base.type_cnt()` and string offsets below the base's string length refer to the base, and the
/// first own type is logged as `[base.type_cnt()]`. Errors in the type-tag walk that meet an
/// unknown id fail with `EINVAL` and no message, as in the kernel.
pub fn validate_module_bytes(data: &[u8], base: &Btf) -> Result<(), Rejection> {
    let env = env::Env::parse(data, Some(base))?;
    let mut env = env;
    env.check_all_metas()?;
    resolve::check_type_tags(&env)
}
