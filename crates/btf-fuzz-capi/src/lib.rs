//! Body of the C-ABI fuzz target: libbtf's `extern "C"` entry points (the btf-capi crate linked as
//! an rlib, called as C would call them) on fuzz bytes — `btf__new`, `btf__new_split`, queries on
//! every id, `btf__raw_data` (parsed again with `btf__new`), `btf__set_endianness`,
//! `btf_dump__*` with a printf callback, `btf__dedup`, `btf__distill_base` + `btf__relocate`,
//! `btf_ext__new` and its raw data. Built with AddressSanitizer by `make fuzz` on nightly, so an
//! out-of-bounds access by the library or by a pointer it hands out is a crash.
//!
//! Kept apart from `btf-fuzz-diff`: libbtf and libbpf define the same C symbols.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use btf::btf as Handle;
use btf::ffi::construct::{btf__free, btf__new, btf__new_split, btf_ext};
use btf::ffi::distill::{btf__distill_base, btf__relocate};
use btf::ffi::dump::{
    btf_dump, btf_dump__dump_type, btf_dump__dump_type_data, btf_dump__emit_type_decl,
    btf_dump__free, btf_dump__new, btf_dump_emit_type_decl_opts, btf_dump_type_data_opts,
};
use btf::ffi::ext::{btf_ext__free, btf_ext__new, btf_ext__raw_data, btf_ext__set_endianness};
use btf::ffi::print::libbpf_set_print;
use btf::ffi::query::{
    btf__align_of, btf__endianness, btf__find_by_name, btf__name_by_offset, btf__raw_data,
    btf__resolve_size, btf__resolve_type, btf__set_endianness, btf__type_by_id, btf__type_cnt,
};
use btf::ffi::write::{btf__dedup, btf_dedup_opts};

unsafe extern "C" {
    fn vsnprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

/// The most text the target has the C library's dumper write per input, for declarations (all
/// types, and `emit_type_decl` of each) and for typed data. The dumper's logic is btf-core's,
/// fuzzed by `c_dump` without a callback; here each piece of text costs a `vsnprintf` through
/// the callback, and past this much (4 MiB before) that was most of the target's time (300
/// inputs/s under ASan).
const CAPI_TEXT: usize = 64 << 10;

/// The `btf_dump` printf callback: formats into the `Vec<u8>` behind `ctx`.
unsafe extern "C" fn collect(ctx: *mut c_void, fmt: *const c_char, args: *mut c_void) {
    let mut buf = [0u8; 256];
    // SAFETY: `fmt` and `args` come from libbtf's trampoline (a format and its va_list); `buf`
    // is writable for its length; vsnprintf writes at most that many bytes, NUL included.
    let n = unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, args) };
    // SAFETY: `ctx` is the `&mut Vec<u8>` passed to `btf_dump__new` below, alive for the dumper.
    let out = unsafe { &mut *ctx.cast::<Vec<u8>>() };
    if n > 0 {
        out.extend_from_slice(&buf[..(n as usize).min(buf.len() - 1)]);
    }
}

fn silence() {
    // SAFETY: NULL turns libbpf-style logging off.
    unsafe { libbpf_set_print(None) };
}

/// `btf__raw_data` as an owned copy.
///
/// # Safety
/// `b` is a live handle.
unsafe fn raw(b: *const Handle) -> Vec<u8> {
    let mut size = 0u32;
    // SAFETY: caller contract; `size` is writable.
    let p = unsafe { btf__raw_data(b, &mut size) };
    assert!(!p.is_null(), "btf__raw_data failed on a parsed object");
    // SAFETY: libbtf hands out `size` readable bytes, alive until the object changes.
    unsafe { std::slice::from_raw_parts(p.cast::<u8>(), size as usize) }.to_vec()
}

/// Queries on every id and a C dump of every type, through the C ABI.
///
/// # Safety
/// `b` is a live handle.
unsafe fn query(b: *mut Handle, data: &[u8]) {
    // SAFETY (whole block): `b` is live; every pointer passed is valid for the call.
    unsafe {
        let cnt = btf__type_cnt(b);
        assert!(btf__type_by_id(b, cnt).is_null());
        for id in 0..cnt {
            let t = btf__type_by_id(b, id);
            assert!(!t.is_null(), "btf__type_by_id({id}) of {cnt} is NULL");
            // The record's name (the first word of `struct btf_type`), read as C would.
            let name_off = t.cast::<u32>().read_unaligned();
            let name = btf__name_by_offset(b, name_off);
            if !name.is_null() && *name != 0 && id < 64 {
                let found = btf__find_by_name(b, name);
                assert!(
                    found >= 0 && found as u32 <= id,
                    "btf__find_by_name({id}) = {found}"
                );
            }
            let _ = btf__resolve_size(b, id);
            let r = btf__resolve_type(b, id);
            assert!(r < 0 || (r as u32) < cnt);
            let _ = btf__align_of(b, id);
        }
        let mut out: Vec<u8> = Vec::new();
        let d: *mut btf_dump = btf_dump__new(
            b,
            Some(collect),
            (&raw mut out).cast::<c_void>(),
            ptr::null(),
        );
        assert!(!d.is_null(), "btf_dump__new failed on a parsed object");
        // Findings F2, F3 and F5: the C library's dumper stops each call at its default bound (16
        // MiB of work here: seconds under ASan); where btf-core says some call would pass a
        // 64 KiB bound, declarations do not go through C (tests-c/test_dump.c tests the bound
        // through C).
        let core = btf_core::Btf::from_bytes(&raw(b)).ok();
        let fits = core
            .as_ref()
            .is_some_and(|c| btf_fuzz_targets::c_text_fits(c, CAPI_TEXT));
        let calls = if fits { cnt } else { 1 };
        for id in 1..calls {
            let _ = btf_dump__dump_type(d, id);
            if out.len() > 1 << 20 {
                out.clear();
            }
        }
        let field = c"f".as_ptr();
        let mut typed_hostile = false;
        let mut typed_text = 0usize;
        let mut decl_text = 0usize;
        let mut gate = core.as_ref().and_then(|c| btf_core::CDump::new(c).ok());
        if let Some(g) = gate.as_mut() {
            g.set_output_limit(btf_fuzz_targets::C_DUMP_LIMIT);
        }
        for id in 0..cnt.min(128) {
            let decl = btf_dump_emit_type_decl_opts {
                sz: size_of::<btf_dump_emit_type_decl_opts>(),
                field_name: if id % 2 == 0 { field } else { ptr::null() },
                indent_level: (id % 3) as c_int,
                strip_mods: id % 4 == 0,
            };
            // The same bound for one declaration (an anonymous struct is written inline, and
            // its padding lines can run to the C library's default bound of 16 MiB a call).
            let decl_fits = decl_text < CAPI_TEXT
                && gate.as_mut().is_some_and(|g| {
                    let r = g.emit_type_decl(id, b"f", decl.indent_level as usize, decl.strip_mods);
                    g.clear_output();
                    !matches!(r, Err(e) if e.kind() == btf_core::ErrorKind::TooBig)
                });
            if fits && decl_fits {
                let before = out.len();
                let _ = btf_dump__emit_type_decl(d, id, &decl);
                decl_text += out.len().saturating_sub(before);
            }
            let opts = btf_dump_type_data_opts {
                sz: size_of::<btf_dump_type_data_opts>(),
                indent_str: ptr::null(),
                indent_level: (id % 4) as c_int,
                compact: id % 2 == 1,
                skip_names: id % 5 == 0,
                emit_zeroes: id % 3 == 0,
                emit_strings: id % 7 != 0,
            };
            let off = (id as usize * 5) % (data.len() + 1);
            let rest = &data[off..(off + btf_fuzz_targets::TYPED_DATA_MAX).min(data.len())];
            // Typed data past btf-core's bound at 64 KiB does not go through C (the C library's
            // default bound is 16 MiB per call: slow, not wrong); after one such type, no more
            // are checked.
            let typed_fits = !typed_hostile
                && core.as_ref().is_some_and(|c| {
                    let data_opts = btf_core::DataOptions {
                        indent_level: opts.indent_level as usize,
                        compact: opts.compact,
                        skip_names: opts.skip_names,
                        emit_zeroes: opts.emit_zeroes,
                        emit_strings: opts.emit_strings,
                        ..btf_core::DataOptions::default()
                    };
                    btf_fuzz_targets::typed_data_fits(c, id, rest, &data_opts)
                });
            typed_hostile |= !typed_fits;
            if typed_fits && typed_text < CAPI_TEXT {
                let before = out.len();
                // (Arrays running past the data are cut silently, as in libbpf: `n` may exceed
                // it.)
                let _ = btf_dump__dump_type_data(d, id, rest.as_ptr().cast(), rest.len(), &opts);
                typed_text += out.len().saturating_sub(before);
            }
            if out.len() > 1 << 20 {
                out.clear();
            }
        }
        btf_dump__free(d);
    }
}

/// Reparses `btf__raw_data` in both byte orders and compares the records.
///
/// # Safety
/// `b` is a live handle, `base` NULL or its base.
unsafe fn roundtrip(b: *mut Handle, base: *mut Handle) {
    // SAFETY (whole block): live handles; slices passed with their lengths.
    unsafe {
        let bytes = raw(b);
        let again = btf__new_split(bytes.as_ptr().cast(), bytes.len() as u32, base);
        assert!(!again.is_null(), "btf__raw_data output does not parse");
        assert_eq!(btf__type_cnt(again), btf__type_cnt(b));
        assert_eq!(raw(again), bytes, "raw data is not a fixpoint");
        btf__free(again);
        let e = btf__endianness(b);
        if btf__set_endianness(b, 1 - e) == 0 {
            // (Not the same length in general: unmodified native data comes back as it was read,
            // gaps included, while the other order is rebuilt.)
            let other = raw(b);
            let o = btf__new_split(other.as_ptr().cast(), other.len() as u32, base);
            assert!(
                !o.is_null(),
                "raw data in the other byte order does not parse"
            );
            assert_eq!(btf__type_cnt(o), btf__type_cnt(b));
            btf__free(o);
            btf__set_endianness(b, e);
        }
    }
}

/// The C-ABI target.
pub fn capi(data: &[u8]) {
    silence();
    let data = &data[..data.len().min(1 << 14)];
    let len = data.len() as u32;
    // SAFETY (whole function): every handle comes from a libbtf constructor and is freed once,
    // splits before their bases; every pointer passed is valid for the call.
    unsafe {
        let base = btf__new(
            btf_fuzz_targets::SMALL_BTF.as_ptr().cast(),
            btf_fuzz_targets::SMALL_BTF.len() as u32,
        );
        assert!(!base.is_null());

        let b = btf__new(data.as_ptr().cast(), len);
        if !b.is_null() {
            query(b, data);
            roundtrip(b, ptr::null_mut());
            let opts = btf_dedup_opts {
                sz: size_of::<btf_dedup_opts>(),
                btf_ext: ptr::null_mut(),
                force_collisions: false,
            };
            if data.len() < 4096 && btf__dedup(b, &opts) == 0 {
                roundtrip(b, ptr::null_mut());
            }
            btf__free(b);
        }

        let s = btf__new_split(data.as_ptr().cast(), len, base);
        if !s.is_null() {
            query(s, data);
            let (mut nb, mut ns) = (ptr::null_mut(), ptr::null_mut());
            if btf__distill_base(s, &mut nb, &mut ns) == 0 {
                query(ns, data);
                let _ = btf__relocate(ns, base);
                btf__free(ns);
                btf__free(nb);
            }
            btf__free(s);
        }
        btf__free(base);

        let e: *mut btf_ext = btf_ext__new(data.as_ptr(), len);
        if !e.is_null() {
            let mut size = 0u32;
            let p = btf_ext__raw_data(e, &mut size);
            assert!(!p.is_null());
            let copy = std::slice::from_raw_parts(p.cast::<u8>(), size as usize).to_vec();
            if btf_ext__set_endianness(e, 1) == 0 {
                let q = btf_ext__raw_data(e, &mut size);
                assert_eq!(size as usize, copy.len());
                let _ = std::slice::from_raw_parts(q.cast::<u8>(), size as usize).to_vec();
            }
            btf_ext__free(e);
        }
    }
}
