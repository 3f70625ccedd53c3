//! Modifying BTF objects: strings, every `btf__add_*`, `btf__add_type`, `btf__add_btf`,
//! `btf__permute`. Type ids arrive as C `int`; negative ones fail btf-core's range check as
//! libbpf's do.

use std::ffi::{c_char, c_int};

use btf_core::{Btf, Error, FwdKind};

use super::query::btf_type;
use super::types::{__s64, __u32, __u64, btf_func_linkage, btf_fwd_kind};
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

/// Runs a modification that takes a name (or a tag's value): NULL reads as "", which is an
/// anonymous type where the kind allows one and -EINVAL from btf-core where a name is required.
///
/// # Safety
/// `btf` is NULL or a live handle not aliased elsewhere during the call; `name` is NULL or a C
/// string.
unsafe fn modify_named(
    btf: *mut btf,
    name: *const c_char,
    f: impl FnOnce(&mut Btf, &[u8]) -> Result<c_int, Error>,
) -> c_int {
    // SAFETY: caller contract.
    let name: &[u8] = unsafe { c_bytes(name) }.unwrap_or(b"");
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| f(core, name)) }
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
    // SAFETY: caller contract (libbpf's `btf__find_str` takes a non-const handle, too).
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    // The lookup may end libbpf's "unmodified" state (see `Btf::find_str`): drop cached bytes.
    b.drop_raw_cache();
    guard(-libc::EFAULT, || match b.core().find_str(s) {
        Some(off) => off as c_int,
        None => fail_errno(libc::ENOENT),
    })
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

/// Appends an INT named `name` of `byte_sz` bytes (1, 2, 4, 8 or 16); `encoding` is 0 or one of
/// `BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_int(
    btf: *mut btf,
    name: *const c_char,
    byte_sz: usize,
    encoding: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            id(core.add_int(name, byte_sz, encoding))
        })
    }
}

/// Appends a FLOAT named `name` of `byte_sz` bytes (2, 4, 8, 12 or 16). Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_float(
    btf: *mut btf,
    name: *const c_char,
    byte_sz: usize,
) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify_named(btf, name, |core, name| id(core.add_float(name, byte_sz))) }
}

/// Appends a PTR to `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_ptr(btf: *mut btf, ref_type_id: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| id(core.add_ptr(ref_type_id as u32))) }
}

/// Appends an ARRAY of `nr_elems` elements of `elem_type_id`, indexed by `index_type_id`.
/// Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_array(
    btf: *mut btf,
    index_type_id: c_int,
    elem_type_id: c_int,
    nr_elems: __u32,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify(btf, |core| {
            id(core.add_array(index_type_id as u32, elem_type_id as u32, nr_elems))
        })
    }
}

/// Appends a STRUCT of `sz` bytes (`name` NULL or "" for an anonymous one); add its members with
/// `btf__add_field`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_struct(btf: *mut btf, name: *const c_char, sz: __u32) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify_named(btf, name, |core, name| id(core.add_struct(name, sz))) }
}

/// Appends a UNION of `sz` bytes (`name` NULL or "" for an anonymous one); add its members with
/// `btf__add_field`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_union(btf: *mut btf, name: *const c_char, sz: __u32) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify_named(btf, name, |core, name| id(core.add_union(name, sz))) }
}

/// Adds a member to the last type, which must be a STRUCT or UNION: `bit_size` 0 for a
/// non-bitfield. Returns 0.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_field(
    btf: *mut btf,
    name: *const c_char,
    field_type_id: c_int,
    bit_offset: __u32,
    bit_size: __u32,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            zero(core.add_field(name, field_type_id as u32, bit_offset, bit_size))
        })
    }
}

/// Appends an ENUM of `bytes_sz` bytes (`name` NULL or "" for an anonymous one); add its values
/// with `btf__add_enum_value`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_enum(
    btf: *mut btf,
    name: *const c_char,
    bytes_sz: __u32,
) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify_named(btf, name, |core, name| id(core.add_enum(name, bytes_sz))) }
}

/// Adds a value to the last type, which must be an ENUM. Returns 0, or -E2BIG when `value` does
/// not fit 32 bits.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_enum_value(
    btf: *mut btf,
    name: *const c_char,
    value: __s64,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            zero(core.add_enum_value(name, value))
        })
    }
}

/// Appends an ENUM64 of `bytes_sz` bytes (`name` NULL or "" for an anonymous one), signed or not;
/// add its values with `btf__add_enum64_value`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_enum64(
    btf: *mut btf,
    name: *const c_char,
    bytes_sz: __u32,
    is_signed: bool,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            id(core.add_enum64(name, bytes_sz, is_signed))
        })
    }
}

/// Adds a value to the last type, which must be an ENUM64. Returns 0.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_enum64_value(
    btf: *mut btf,
    name: *const c_char,
    value: __u64,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            zero(core.add_enum64_value(name, value))
        })
    }
}

/// Appends a forward declaration of a struct, a union, or an enum (which becomes a 4-byte ENUM
/// without values). Returns the new type id; -EINVAL for any other `fwd_kind`.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_fwd(
    btf: *mut btf,
    name: *const c_char,
    fwd_kind: btf_fwd_kind,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            let kind = match fwd_kind {
                0 => FwdKind::Struct,
                1 => FwdKind::Union,
                2 => FwdKind::Enum,
                _ => {
                    return Err(Error::new(
                        btf_core::ErrorKind::Invalid,
                        format!("unknown forward kind {fwd_kind}"),
                    ));
                }
            };
            id(core.add_fwd(name, kind))
        })
    }
}

/// Appends a TYPEDEF named `name` of `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_typedef(
    btf: *mut btf,
    name: *const c_char,
    ref_type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            id(core.add_typedef(name, ref_type_id as u32))
        })
    }
}

/// Appends a VOLATILE of `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_volatile(btf: *mut btf, ref_type_id: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| id(core.add_volatile(ref_type_id as u32))) }
}

/// Appends a CONST of `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_const(btf: *mut btf, ref_type_id: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| id(core.add_const(ref_type_id as u32))) }
}

/// Appends a RESTRICT of `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_restrict(btf: *mut btf, ref_type_id: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| id(core.add_restrict(ref_type_id as u32))) }
}

/// Appends a TYPE_TAG with text `value` on `ref_type_id`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `value` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_type_tag(
    btf: *mut btf,
    value: *const c_char,
    ref_type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, value, |core, value| {
            id(core.add_type_tag(value, ref_type_id as u32))
        })
    }
}

/// Appends a TYPE_TAG with text `value` on `ref_type_id` that marks an attribute (kind flag
/// set). Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `value` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_type_attr(
    btf: *mut btf,
    value: *const c_char,
    ref_type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, value, |core, value| {
            id(core.add_type_attr(value, ref_type_id as u32))
        })
    }
}

/// Appends a FUNC named `name` of FUNC_PROTO `proto_type_id`, with `linkage` static, global or
/// extern. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_func(
    btf: *mut btf,
    name: *const c_char,
    linkage: btf_func_linkage,
    proto_type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            id(core.add_func(name, linkage, proto_type_id as u32))
        })
    }
}

/// Appends a FUNC_PROTO returning `ret_type_id` (0: void); add its parameters with
/// `btf__add_func_param`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_func_proto(btf: *mut btf, ret_type_id: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| id(core.add_func_proto(ret_type_id as u32))) }
}

/// Adds a parameter to the last type, which must be a FUNC_PROTO (`name` may be NULL or "").
/// Returns 0.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_func_param(
    btf: *mut btf,
    name: *const c_char,
    type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            zero(core.add_func_param(name, type_id as u32))
        })
    }
}

/// Appends a VAR named `name` of `type_id`, with `linkage` `BTF_VAR_STATIC`,
/// `BTF_VAR_GLOBAL_ALLOCATED` or `BTF_VAR_GLOBAL_EXTERN`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_var(
    btf: *mut btf,
    name: *const c_char,
    linkage: c_int,
    type_id: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, name, |core, name| {
            id(core.add_var(name, linkage as u32, type_id as u32))
        })
    }
}

/// Appends a DATASEC named `name` of `byte_sz` bytes; add its entries with
/// `btf__add_datasec_var_info`. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_datasec(
    btf: *mut btf,
    name: *const c_char,
    byte_sz: __u32,
) -> c_int {
    // SAFETY: caller contract.
    unsafe { modify_named(btf, name, |core, name| id(core.add_datasec(name, byte_sz))) }
}

/// Adds an entry (VAR `var_type_id` at `offset`, `byte_sz` bytes) to the last type, which must be
/// a DATASEC. Returns 0.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_datasec_var_info(
    btf: *mut btf,
    var_type_id: c_int,
    offset: __u32,
    byte_sz: __u32,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify(btf, |core| {
            zero(core.add_datasec_var_info(var_type_id as u32, offset, byte_sz))
        })
    }
}

/// Appends a DECL_TAG with text `value` on `ref_type_id`: on the type itself when
/// `component_idx` is -1, else on that member or parameter. Returns the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `value` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_decl_tag(
    btf: *mut btf,
    value: *const c_char,
    ref_type_id: c_int,
    component_idx: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, value, |core, value| {
            id(core.add_decl_tag(value, ref_type_id as u32, component_idx))
        })
    }
}

/// Appends a DECL_TAG like `btf__add_decl_tag` that marks an attribute (kind flag set). Returns
/// the new type id.
///
/// # Safety
/// `btf` is NULL or a live handle; `value` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__add_decl_attr(
    btf: *mut btf,
    value: *const c_char,
    ref_type_id: c_int,
    component_idx: c_int,
) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        modify_named(btf, value, |core, value| {
            id(core.add_decl_attr(value, ref_type_id as u32, component_idx))
        })
    }
}

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
    /// `sizeof(struct btf_permute_opts)`, set by the caller (`LIBBPF_OPTS` does it).
    pub sz: usize,
    /// A `.BTF.ext` whose type ids to remap too (func_info and core_relo `type_id`), or NULL.
    pub btf_ext: *mut super::construct::btf_ext,
}

/// Moves type `old` to id `id_map[old]` (split BTF: `id_map[old - start]`) and rewrites every
/// reference, including the type ids of `opts->btf_ext` when given. -EINVAL for a map that is not
/// a permutation of the own ids, or a `.BTF.ext` type id past the last type. On failure neither
/// the types nor the `.BTF.ext` change (libbpf may leave the `.BTF.ext` half remapped). The
/// `.BTF.ext` is rewritten in place, as for `btf__dedup`.
///
/// # Safety
/// `btf` is NULL or a live handle; `id_map` has `id_map_cnt` readable entries; `opts` is NULL or
/// readable for `opts->sz` bytes; `opts->btf_ext` is NULL or a live `.BTF.ext` handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__permute(
    btf: *mut btf,
    id_map: *mut __u32,
    id_map_cnt: __u32,
    opts: *const btf_permute_opts,
) -> c_int {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts, std::mem::size_of::<btf_permute_opts>()) } {
        Ok(opts) => opts,
        Err(errno) => return fail_errno(errno),
    };
    let ext_ptr = match opts {
        Some(o) if o.sz >= std::mem::size_of::<btf_permute_opts>() => o.btf_ext,
        _ => std::ptr::null_mut(),
    };
    // SAFETY: caller contract.
    let (Some(b), false) = (unsafe { handle_ref(btf) }, id_map.is_null()) else {
        return fail_errno(EINVAL);
    };
    // Like libbpf, check the count before reading the map, so that a wrong count never reads
    // past the caller's array: base BTF maps every id from void on, split BTF its own types.
    let core = b.core();
    let expected = if core.base().is_some() {
        core.nr_types()
    } else {
        core.type_cnt()
    };
    if id_map_cnt != expected {
        return fail_errno(EINVAL);
    }
    // SAFETY: `id_map_cnt` readable entries (caller contract).
    let map = unsafe { std::slice::from_raw_parts(id_map, id_map_cnt as usize) }.to_vec();
    // SAFETY: caller contract: NULL or a live handle, used only during this call.
    let ext = unsafe { super::ext::core_mut(ext_ptr) };
    // SAFETY: caller contract.
    unsafe { modify(btf, |core| core.permute_with_ext(&map, ext).map(|()| 0)) }
}

/// Options of `btf__dedup` (`struct btf_dedup_opts`; 24 bytes with its trailing padding).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_dedup_opts {
    /// `sizeof(struct btf_dedup_opts)`, set by the caller (`LIBBPF_OPTS` does it).
    pub sz: usize,
    /// A `.BTF.ext` whose strings and type ids to rewrite too, or NULL.
    pub btf_ext: *mut super::construct::btf_ext,
    /// Make every type signature collide (for testing): same result, slower.
    pub force_collisions: bool,
}

/// End of `btf_dedup_opts.btf_ext`: a caller's `sz` must reach it for the field to be read.
const DEDUP_OPTS_BTF_EXT_END: usize =
    std::mem::offset_of!(btf_dedup_opts, btf_ext) + std::mem::size_of::<usize>();
/// End of `btf_dedup_opts.force_collisions`, the last known field (libbpf's `offsetofend`):
/// bytes from here to `sz`, padding included, must be zero.
const DEDUP_OPTS_KNOWN_LEN: usize = std::mem::offset_of!(btf_dedup_opts, force_collisions) + 1;

/// Deduplicates the types and strings of `btf` in place, as libbpf 1.7.0 does. When
/// `opts->btf_ext` is given, strings it references are kept and its string offsets and type ids
/// are rewritten to follow the deduplicated strings and types. On failure the types, strings and
/// `.BTF.ext` are left as they were (libbpf may leave them half rewritten); a `.BTF.ext` type id
/// or string offset that names nothing in `btf` is -EINVAL. The `.BTF.ext` is rewritten in place:
/// a `btf_ext__raw_data` pointer taken before stays valid and shows the new values, in either
/// byte order (libbpf 1.7.0 keeps showing the old ones in the other byte order).
///
/// # Safety
/// `btf` is NULL or a live handle; `opts` is NULL or readable for `opts->sz` bytes;
/// `opts->btf_ext` is NULL or a live `.BTF.ext` handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__dedup(btf: *mut btf, opts: *const btf_dedup_opts) -> c_int {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts, DEDUP_OPTS_KNOWN_LEN) } {
        Ok(opts) => opts,
        Err(errno) => return fail_errno(errno),
    };
    let ext_ptr = match opts {
        Some(o) if o.sz >= DEDUP_OPTS_BTF_EXT_END => o.btf_ext,
        _ => std::ptr::null_mut(),
    };
    let force_collisions = opts.is_some_and(|o| {
        // Read as a byte: a C `bool` holding anything but 0 or 1 must not become a Rust `bool`.
        let at = std::mem::offset_of!(btf_dedup_opts, force_collisions);
        // SAFETY: `sz` covers the field, so the byte is readable (caller contract).
        o.sz >= DEDUP_OPTS_KNOWN_LEN && unsafe { *std::ptr::from_ref(o).cast::<u8>().add(at) } != 0
    });
    let dedup_opts = btf_core::DedupOptions::new().force_collisions(force_collisions);
    // SAFETY: caller contract: NULL or a live handle, used only during this call.
    let ext = unsafe { super::ext::core_mut(ext_ptr) };
    // SAFETY: caller contract.
    unsafe {
        modify(btf, |core| {
            core.dedup_with_ext(&dedup_opts, ext).map(|()| 0)
        })
    }
}
