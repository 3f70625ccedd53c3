//! Distilled base BTF (libbpf 1.5.0): `btf__distill_base` and `btf__relocate`.

use std::ffi::c_int;

use super::{EINVAL, fail, fail_errno, guard, handle_mut, handle_ref};
use crate::handle::btf;

/// Splits `src_btf` (split BTF) into a new minimal base holding only what it needs of its base, and
/// a new split BTF over that base describing the same types, for a later `btf__relocate` onto
/// another build of the original base. On success `*new_base_btf` and `*new_split_btf` are two new
/// objects; `btf__base_btf(*new_split_btf)` is `*new_base_btf`. The caller frees both, the split
/// first or last (the split does not own its base, as in libbpf). Returns 0, or a negative errno
/// (-EINVAL when an argument is NULL, `src_btf` is not split BTF, or it references a base FUNC,
/// VAR, DATASEC or DECL_TAG), with the out-parameters untouched.
///
/// # Safety
/// `src_btf` is NULL or a live handle; `new_base_btf` and `new_split_btf` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__distill_base(
    src_btf: *const btf,
    new_base_btf: *mut *mut btf,
    new_split_btf: *mut *mut btf,
) -> c_int {
    // SAFETY: caller contract.
    let Some(src) = (unsafe { handle_ref(src_btf) }) else {
        return fail_errno(EINVAL);
    };
    if new_base_btf.is_null() || new_split_btf.is_null() || src.core().base().is_none() {
        return fail_errno(EINVAL);
    }
    let made = guard(None, || Some(src.core().distill_base()));
    let (base, split) = match made {
        None => return -libc::EFAULT,
        Some(Err(e)) => return fail(&e),
        Some(Ok(pair)) => pair,
    };
    let base = Box::into_raw(btf::new_shared(base, std::ptr::null()));
    let split = Box::into_raw(btf::new(split, base));
    // SAFETY: both writable (caller contract).
    unsafe {
        *new_base_btf = base;
        *new_split_btf = split;
    }
    0
}

/// Relocates split BTF `btf`, split over a distilled base (from `btf__distill_base` or a module's
/// `.BTF.base`), onto `base_btf`, a full build of the original base: its types and strings are
/// renumbered in place. On success `btf__base_btf(btf)` is `base_btf`, which must outlive `btf`.
/// Returns 0 or a negative errno (-EINVAL for a NULL argument, BTF that is not split, `base_btf`
/// being the current base, or a distilled type with no or several matches; -ENOENT for an unmapped
/// distilled string).
///
/// When `btf` owned its distilled base (parsed from an ELF file with `.BTF.base`), libbpf stops
/// owning that base here and never frees it; libbtf keeps it alive, unused, until `btf` is freed,
/// so a pointer the caller got from `btf__base_btf` before relocating stays valid until then.
///
/// # Safety
/// `btf` is NULL or a live handle not aliased elsewhere during the call; `base_btf` is NULL or a
/// live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__relocate(btf: *mut btf, base_btf: *const btf) -> c_int {
    // SAFETY: caller contract.
    let Some(base) = (unsafe { handle_ref(base_btf) }) else {
        return fail_errno(EINVAL);
    };
    let base_core = base.shared();
    if std::ptr::eq(btf.cast_const(), base_btf) {
        // Onto itself: refused before `btf` is borrowed mutably while `base` is live.
        return fail_errno(EINVAL);
    }
    // SAFETY: caller contract; `btf` is not `base_btf`.
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    if std::ptr::eq(b.base(), base_btf) {
        return fail_errno(EINVAL);
    }
    guard(-libc::EFAULT, || match b.relocate(base_btf, base_core) {
        Ok(()) => 0,
        Err(e) => fail(&e),
    })
}
