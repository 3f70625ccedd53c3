//! The C type names libbpf's prototypes are spelled with. Each is an alias of the Rust type with
//! the same ABI, so the entry points keep ordinary Rust types while the generated header
//! (`include/bpf/btf.h`, see `capi/cbindgen.toml`) prints libbpf's names: `__u32` from
//! `<linux/types.h>` (`__s64` is `long long`, which C does not treat as the same type as
//! `int64_t`), and `enum btf_endianness` and the other enums where libbpf takes an enum.
//!
//! An enum parameter is received as its underlying `unsigned int`, never as a Rust enum: C may pass
//! any value, and an out-of-range one must be rejected, not be undefined behaviour.

#![allow(non_camel_case_types)]

use std::ffi::c_uint;

/// `__u8` of `<linux/types.h>`.
pub type __u8 = u8;
/// `__u32` of `<linux/types.h>`.
pub type __u32 = u32;
/// `__s32` of `<linux/types.h>`.
pub type __s32 = i32;
/// `__u64` of `<linux/types.h>` (`unsigned long long`).
pub type __u64 = u64;
/// `__s64` of `<linux/types.h>` (`long long`).
pub type __s64 = i64;

/// `enum btf_endianness` (btf.h): `BTF_LITTLE_ENDIAN` 0, `BTF_BIG_ENDIAN` 1.
pub type btf_endianness = c_uint;
/// `enum btf_fwd_kind` (btf.h): `BTF_FWD_STRUCT` 0, `BTF_FWD_UNION` 1, `BTF_FWD_ENUM` 2.
pub type btf_fwd_kind = c_uint;
/// `enum btf_func_linkage` (`<linux/btf.h>`): `BTF_FUNC_STATIC` 0, `BTF_FUNC_GLOBAL` 1,
/// `BTF_FUNC_EXTERN` 2.
pub type btf_func_linkage = c_uint;
/// `enum libbpf_strict_mode` (libbpf_legacy.h); ignored since libbpf 1.0.
pub type libbpf_strict_mode = c_uint;
