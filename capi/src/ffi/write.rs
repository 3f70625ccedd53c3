//! Modifying BTF objects: strings, every `btf__add_*`, `btf__add_type`, `btf__add_btf`,
//! `btf__permute`. Type ids arrive as C `int`; negative ones fail btf-core's range check as
//! libbpf's do.

use std::ffi::{c_char, c_int};

use btf_core::{Btf, Error, FwdKind};

use super::query::btf_type;
use super::{EINVAL, c_bytes, fail_errno, guard, handle_mut, handle_ref, int_result};
use crate::handle::btf;

/// Runs a modification of `btf`'s core and reports it as libbpf does.
///
/// # Safety
/// `btf` is NULL or a live handle not aliased elsewhere during the call.
unsafe fn modify(btf: *mut btf, f: impl FnOnce(&mut Btf) -> Result<c_int, Error>) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || int_result(f(b.core_mut())))
}

/// A new type's id as the C `int` libbpf returns.
fn id(r: Result<u32, Error>) -> Result<c_int, Error> {
    r.map(|id| id as c_int)
}

/// A member-adding call's success value.
fn zero(r: Result<(), Error>) -> Result<c_int, Error> {
    r.map(|()| 0)
}

/// Declares an entry point whose name argument is optional (NULL or "" = anonymous) or required
/// (NULL or "" = -EINVAL, which btf-core reports for an empty name).
macro_rules! named_entry {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) => |$core:ident, $n:ident| $body:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `btf` is NULL or a live handle; string arguments are NULL or C strings.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(btf: *mut btf, name: *const c_char $(, $arg: $ty)*) -> c_int {
            // SAFETY: caller contract.
            let $n: &[u8] = unsafe { c_bytes(name) }.unwrap_or(b"");
            // SAFETY: caller contract.
            unsafe { modify(btf, |$core| $body) }
        }
    };
}

/// Declares an entry point that takes only ids and numbers.
macro_rules! plain_entry {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) => |$core:ident| $body:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `btf` is NULL or a live handle.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(btf: *mut btf $(, $arg: $ty)*) -> c_int {
            // SAFETY: caller contract.
            unsafe { modify(btf, |$core| $body) }
        }
    };
}

/// Logical offset of string `s`, base first, or -ENOENT.
///
/// # Safety
/// `btf` is NULL or a live handle; `s` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__find_str(btf: *mut btf, s: *const c_char) -> c_int {
    // SAFETY: caller contract.
    let Some(s) = (unsafe { c_bytes(s) }) else {
        return fail_errno(EINVAL);
    };
    // SAFETY: caller contract. libbpf makes the object modifiable here; so do we.
    unsafe {
        modify(btf, |core| {
            core.make_modifiable();
            core.find_str(s)
                .map(|off| off as c_int)
                .ok_or_else(|| Error::new(btf_core::ErrorKind::NotFound, "string not found"))
        })
    }
}

/// Logical offset of string `s`, added when neither the base nor this object has it.
///
/// # Safety
/// `btf` is NULL or a live handle; `s` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_str(btf: *mut btf, s: *const c_char) -> c_int {
    // SAFETY: caller contract.
    let Some(s) = (unsafe { c_bytes(s) }) else {
        return fail_errno(EINVAL);
    };
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| core.add_str(s).map(|off| off as c_int)) }
}

named_entry!(
    /// Appends an INT; `encoding` of BTF_INT_SIGNED/CHAR/BOOL. Returns the new type id.
    fn btf__add_int(byte_sz: usize, encoding: c_int) => |core, name| id(core.add_int(name, byte_sz, encoding))
);
named_entry!(
    /// Appends a FLOAT of 2, 4, 8, 12 or 16 bytes.
    fn btf__add_float(byte_sz: usize) => |core, name| id(core.add_float(name, byte_sz))
);
plain_entry!(
    /// Appends a PTR to `ref_type_id`.
    fn btf__add_ptr(ref_type_id: c_int) => |core| id(core.add_ptr(ref_type_id as u32))
);
plain_entry!(
    /// Appends an ARRAY of `nr_elems` elements.
    fn btf__add_array(index_type_id: c_int, elem_type_id: c_int, nr_elems: u32) =>
        |core| id(core.add_array(index_type_id as u32, elem_type_id as u32, nr_elems))
);
named_entry!(
    /// Appends a STRUCT (name optional); add members with `btf__add_field`.
    fn btf__add_struct(byte_sz: u32) => |core, name| id(core.add_struct(name, byte_sz))
);
named_entry!(
    /// Appends a UNION (name optional); add members with `btf__add_field`.
    fn btf__add_union(byte_sz: u32) => |core, name| id(core.add_union(name, byte_sz))
);
named_entry!(
    /// Adds a member to the last STRUCT/UNION; returns 0.
    fn btf__add_field(field_type_id: c_int, bit_offset: u32, bit_size: u32) =>
        |core, name| zero(core.add_field(name, field_type_id as u32, bit_offset, bit_size))
);
named_entry!(
    /// Appends an ENUM of `bytes_sz` bytes (name optional).
    fn btf__add_enum(bytes_sz: u32) => |core, name| id(core.add_enum(name, bytes_sz))
);
named_entry!(
    /// Adds a value to the last ENUM; returns 0, or -E2BIG when it does not fit 32 bits.
    fn btf__add_enum_value(value: i64) => |core, name| zero(core.add_enum_value(name, value))
);
named_entry!(
    /// Appends an ENUM64 (name optional).
    fn btf__add_enum64(bytes_sz: u32, is_signed: bool) =>
        |core, name| id(core.add_enum64(name, bytes_sz, is_signed))
);
named_entry!(
    /// Adds a value to the last ENUM64; returns 0.
    fn btf__add_enum64_value(value: u64) => |core, name| zero(core.add_enum64_value(name, value))
);
named_entry!(
    /// Appends a forward declaration: 0 struct, 1 union, 2 enum (a 4-byte ENUM).
    fn btf__add_fwd(fwd_kind: c_int) => |core, name| {
        let kind = match fwd_kind {
            0 => FwdKind::Struct,
            1 => FwdKind::Union,
            2 => FwdKind::Enum,
            _ => return Err(Error::new(btf_core::ErrorKind::Invalid, format!("unknown forward kind {fwd_kind}"))),
        };
        id(core.add_fwd(name, kind))
    }
);
named_entry!(
    /// Appends a TYPEDEF of `ref_type_id`.
    fn btf__add_typedef(ref_type_id: c_int) => |core, name| id(core.add_typedef(name, ref_type_id as u32))
);
plain_entry!(
    /// Appends a VOLATILE of `ref_type_id`.
    fn btf__add_volatile(ref_type_id: c_int) => |core| id(core.add_volatile(ref_type_id as u32))
);
plain_entry!(
    /// Appends a CONST of `ref_type_id`.
    fn btf__add_const(ref_type_id: c_int) => |core| id(core.add_const(ref_type_id as u32))
);
plain_entry!(
    /// Appends a RESTRICT of `ref_type_id`.
    fn btf__add_restrict(ref_type_id: c_int) => |core| id(core.add_restrict(ref_type_id as u32))
);
named_entry!(
    /// Appends a TYPE_TAG with value `value` (the name argument).
    fn btf__add_type_tag(ref_type_id: c_int) => |core, name| id(core.add_type_tag(name, ref_type_id as u32))
);
named_entry!(
    /// Appends a TYPE_TAG attribute (kind flag set).
    fn btf__add_type_attr(ref_type_id: c_int) => |core, name| id(core.add_type_attr(name, ref_type_id as u32))
);
named_entry!(
    /// Appends a FUNC with `linkage` 0 static, 1 global, 2 extern.
    fn btf__add_func(linkage: c_int, proto_type_id: c_int) =>
        |core, name| id(core.add_func(name, linkage as u32, proto_type_id as u32))
);
plain_entry!(
    /// Appends a FUNC_PROTO returning `ret_type_id`; add parameters with `btf__add_func_param`.
    fn btf__add_func_proto(ret_type_id: c_int) => |core| id(core.add_func_proto(ret_type_id as u32))
);
named_entry!(
    /// Adds a parameter to the last FUNC_PROTO; returns 0.
    fn btf__add_func_param(type_id: c_int) => |core, name| zero(core.add_func_param(name, type_id as u32))
);
named_entry!(
    /// Appends a VAR with `linkage` 0 static, 1 global-allocated, 2 global-extern.
    fn btf__add_var(linkage: c_int, type_id: c_int) =>
        |core, name| id(core.add_var(name, linkage as u32, type_id as u32))
);
named_entry!(
    /// Appends a DATASEC; add entries with `btf__add_datasec_var_info`.
    fn btf__add_datasec(byte_sz: u32) => |core, name| id(core.add_datasec(name, byte_sz))
);
plain_entry!(
    /// Adds an entry to the last DATASEC; returns 0.
    fn btf__add_datasec_var_info(var_type_id: c_int, offset: u32, byte_sz: u32) =>
        |core| zero(core.add_datasec_var_info(var_type_id as u32, offset, byte_sz))
);
named_entry!(
    /// Appends a DECL_TAG with value `value` on `ref_type_id` (component -1: the whole type).
    fn btf__add_decl_tag(ref_type_id: c_int, component_idx: c_int) =>
        |core, name| id(core.add_decl_tag(name, ref_type_id as u32, component_idx))
);
named_entry!(
    /// Appends a DECL_TAG attribute (kind flag set).
    fn btf__add_decl_attr(ref_type_id: c_int, component_idx: c_int) =>
        |core, name| id(core.add_decl_attr(name, ref_type_id as u32, component_idx))
);

/// Copies one type record (strings re-interned into `btf`, ids unchanged). Returns its new id.
///
/// # Safety
/// `btf` and `src_btf` are NULL or live handles; `src_type` is NULL or points to a whole type
/// record (header and its kind's trailing data).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_type(
    btf: *mut btf,
    src_btf: *const btf,
    src_type: *const btf_type,
) -> c_int {
    if src_type.is_null() || src_btf.is_null() {
        return fail_errno(EINVAL);
    }
    // SAFETY: `src_type` points to a readable record header (caller contract).
    let header = unsafe { std::slice::from_raw_parts(src_type.cast::<u32>(), 3) };
    let Some(words) = btf_core::record_len_words(header) else {
        return fail_errno(EINVAL);
    };
    // SAFETY: the record's kind and vlen say it has `words` readable words (caller contract).
    let record = unsafe { std::slice::from_raw_parts(src_type.cast::<u32>(), words) }.to_vec();
    if std::ptr::eq(btf, src_btf) {
        // SAFETY: caller contract.
        return unsafe { modify(btf, |core| id(core.add_type_record(None, &record))) };
    }
    // SAFETY: caller contract; distinct from `btf`, so not aliased by the mutable borrow below.
    let Some(src) = (unsafe { handle_ref(src_btf) }) else {
        return fail_errno(EINVAL);
    };
    // SAFETY: caller contract.
    unsafe {
        modify(btf, |core| {
            id(core.add_type_record(Some(src.core()), &record))
        })
    }
}

/// Appends all types of `src_btf`, remapping ids and strings. Returns the first new id.
///
/// # Safety
/// `btf` and `src_btf` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_btf(btf: *mut btf, src_btf: *const btf) -> c_int {
    // SAFETY: caller contract.
    let Some(src) = (unsafe { handle_ref(src_btf) }) else {
        return fail_errno(EINVAL);
    };
    // A shared snapshot of the source: appending an object to itself then reads the snapshot
    // while the copy-on-write core is modified.
    let src_core = src.shared();
    // SAFETY: caller contract; `src` is not used past this point.
    unsafe { modify(btf, |core| id(core.add_btf(&src_core))) }
}

/// Options of `btf__permute` (`struct btf_permute_opts`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_permute_opts {
    pub sz: usize,
    pub btf_ext: *mut super::construct::btf_ext,
}

/// Moves type `old` to id `id_map[old]` (split BTF: `id_map[old - start]`) and rewrites every
/// reference. `.BTF.ext` remapping (`opts->btf_ext`) is not supported: -EOPNOTSUPP.
///
/// # Safety
/// `btf` is NULL or a live handle; `id_map` has `id_map_cnt` readable entries; `opts` is NULL or
/// readable for `opts->sz` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__permute(
    btf: *mut btf,
    id_map: *mut u32,
    id_map_cnt: u32,
    opts: *const btf_permute_opts,
) -> c_int {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts, std::mem::size_of::<btf_permute_opts>()) } {
        Ok(opts) => opts,
        Err(errno) => return fail_errno(errno),
    };
    if opts.is_some_and(|o| o.sz >= std::mem::size_of::<btf_permute_opts>() && !o.btf_ext.is_null())
    {
        return fail_errno(libc::EOPNOTSUPP);
    }
    if id_map.is_null() {
        return fail_errno(EINVAL);
    }
    // SAFETY: `id_map_cnt` readable entries (caller contract).
    let map = unsafe { std::slice::from_raw_parts(id_map, id_map_cnt as usize) }.to_vec();
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| core.permute(&map).map(|()| 0)) }
}
