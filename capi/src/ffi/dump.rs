//! C declarations and typed data from BTF, libbpf's `btf_dump` API: `btf_dump__new`,
//! `btf_dump__free`, `btf_dump__dump_type`, `btf_dump__emit_type_decl`,
//! `btf_dump__dump_type_data`, over btf-core's [`CDump`]. Each call hands
//! what it wrote to the caller's `printf_fn` (through the C trampoline: the callback takes a
//! `va_list`).

use std::ffi::{CString, c_char, c_int, c_void};

use btf_core::{Btf, CDump, DataOptions};

use super::types::__u32;
use super::{EINVAL, c_bytes, fail, fail_errno, guard, handle_ref, null_errno};
use crate::handle::btf;

/// `btf_dump_printf_fn_t`: `void (*)(void *ctx, const char *fmt, va_list args)`.
#[allow(non_camel_case_types)]
pub type btf_dump_printf_fn_t =
    Option<unsafe extern "C" fn(ctx: *mut c_void, fmt: *const c_char, args: *mut c_void)>;

unsafe extern "C" {
    fn libbtf_dump_print(
        f: unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_void),
        ctx: *mut c_void,
        text: *const c_char,
    );
}

/// Options of `btf_dump__new` (`struct btf_dump_opts`): only `sz` so far.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_dump_opts {
    /// `sizeof(struct btf_dump_opts)`, set by the caller (`LIBBPF_OPTS` does it).
    pub sz: usize,
}

/// Options of `btf_dump__emit_type_decl` (`struct btf_dump_emit_type_decl_opts`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_dump_emit_type_decl_opts {
    /// `sizeof(struct btf_dump_emit_type_decl_opts)`, set by the caller.
    pub sz: usize,
    /// The declared name (a struct field's, a variable's); NULL or "" declares no name.
    pub field_name: *const c_char,
    /// Tabs before the lines of inline (anonymous) definitions.
    pub indent_level: c_int,
    /// Leave out const, volatile, restrict and type tags.
    pub strip_mods: bool,
}

/// The opaque `struct btf_dump`: the dumper's state between calls, the BTF handle it reads (the
/// caller keeps it alive, as with libbpf) and where its text goes.
#[allow(non_camel_case_types)]
pub struct btf_dump {
    btf: *const btf,
    /// Bound to [`idle_btf`] between calls, rebound to the handle's current BTF during one.
    state: Option<CDump<'static>>,
    printf_fn: unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_void),
    ctx: *mut c_void,
}

impl std::fmt::Debug for btf_dump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("btf_dump").field("btf", &self.btf).finish()
    }
}

/// An empty BTF the idle dumper state points at (it reads nothing from it).
fn idle_btf() -> &'static Btf {
    static IDLE: btf_core::RaceOnce<Btf> = btf_core::RaceOnce::new();
    IDLE.get_or_init(Btf::new_empty)
}

impl btf_dump {
    /// Runs `f` on the dumper bound to the handle's BTF as it is now, then hands what it wrote to
    /// the callback.
    ///
    /// # Safety
    /// `self.btf` is still a live handle (the caller's contract since `btf_dump__new`).
    unsafe fn with_dump<R>(&mut self, f: impl FnOnce(&mut CDump<'_>) -> R) -> Option<R> {
        // SAFETY: caller contract: the BTF handle outlives the dumper.
        let core = unsafe { &*self.btf }.core();
        // Absent only if an earlier call panicked half-way (and was caught): unusable since.
        let state = self.state.take()?;
        let mut dump = state.rebind(core);
        let result = f(&mut dump);
        let text = dump.take_output();
        self.state = Some(dump.rebind(idle_btf()));
        if !text.is_empty() {
            let text = CString::new(text).unwrap_or_else(|e| {
                let mut bytes = e.into_vec();
                bytes.retain(|&b| b != 0);
                CString::new(bytes).unwrap_or_default()
            });
            // SAFETY: the user's printf callback, with "%s" and a NUL-terminated string.
            unsafe { libbtf_dump_print(self.printf_fn, self.ctx, text.as_ptr()) };
        }
        Some(result)
    }
}

/// Options of `btf_dump__dump_type_data` (`struct btf_dump_type_data_opts`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_dump_type_data_opts {
    /// `sizeof(struct btf_dump_type_data_opts)`, set by the caller.
    pub sz: usize,
    /// Written once per indentation level (NULL: a tab; at most 31 bytes are used).
    pub indent_str: *const c_char,
    /// Levels of indentation before the first (libbpf keeps it in 8 bits).
    pub indent_level: c_int,
    /// Everything on one line.
    pub compact: bool,
    /// No `.field = ` names and no `(type)` casts.
    pub skip_names: bool,
    /// Zero-valued members and elements too.
    pub emit_zeroes: bool,
    /// Char arrays that hold a NUL-terminated string as `"text"`.
    pub emit_strings: bool,
}

/// `btf_dump_type_data_opts` ends at `emit_strings`.
const DATA_OPTS_KNOWN_LEN: usize =
    std::mem::offset_of!(btf_dump_type_data_opts, emit_strings) + std::mem::size_of::<bool>();

/// `btf_dump_opts` ends at `sz`.
const DUMP_OPTS_KNOWN_LEN: usize = std::mem::size_of::<usize>();
/// `btf_dump_emit_type_decl_opts` ends at `strip_mods` (libbpf's `offsetofend`).
const DECL_OPTS_KNOWN_LEN: usize =
    std::mem::offset_of!(btf_dump_emit_type_decl_opts, strip_mods) + std::mem::size_of::<bool>();

/// A dumper of `btf`'s types as C, writing through `printf_fn(ctx, ...)`. NULL with errno EINVAL
/// for a NULL `btf` or `printf_fn` or invalid `opts`.
///
/// # Safety
/// `btf` is NULL or a live handle that outlives the dumper; `printf_fn` is NULL or a function of
/// the callback type; `opts` is NULL or readable for its `sz`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_dump__new(
    btf: *const btf,
    printf_fn: btf_dump_printf_fn_t,
    ctx: *mut c_void,
    opts: *const btf_dump_opts,
) -> *mut btf_dump {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    if let Err(errno) = unsafe { super::opts::valid(opts, DUMP_OPTS_KNOWN_LEN) } {
        return null_errno(errno);
    }
    let Some(printf_fn) = printf_fn else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let Some(handle) = (unsafe { handle_ref(btf) }) else {
        return null_errno(EINVAL);
    };
    guard(std::ptr::null_mut(), || match CDump::new(handle.core()) {
        Ok(dump) => Box::into_raw(Box::new(btf_dump {
            btf,
            state: Some(dump.rebind(idle_btf())),
            printf_fn,
            ctx,
        })),
        Err(e) => {
            fail(&e);
            std::ptr::null_mut()
        }
    })
}

/// Frees a dumper; NULL is ignored.
///
/// # Safety
/// `d` is NULL or a dumper from `btf_dump__new` not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_dump__free(d: *mut btf_dump) {
    if d.is_null() || super::is_err_ptr(d as usize) {
        return;
    }
    // SAFETY: made by `Box::into_raw` in `btf_dump__new`; the caller gives it up.
    drop(unsafe { Box::from_raw(d) });
}

/// Writes the C definition of type `id` and of every type it needs that this dumper has not
/// written yet. 0, or -EINVAL for a bad id, -ELOOP for a type cycle C cannot express, -E2BIG
/// when the text would pass the dumper's bound (16 bytes per byte of BTF, at least 16 MiB: only
/// hostile BTF, where libbpf writes gigabytes) — then nothing is written.
///
/// # Safety
/// `d` is NULL or a live dumper whose BTF is still alive.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_dump__dump_type(d: *mut btf_dump, id: __u32) -> c_int {
    // SAFETY: caller contract.
    let Some(dump) = (unsafe { d.as_mut() }) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || {
        // SAFETY: caller contract: the BTF outlives the dumper.
        match unsafe { dump.with_dump(|c| c.dump_type(id)) } {
            Some(Ok(())) => 0,
            Some(Err(e)) => fail(&e),
            None => fail_errno(libc::EFAULT),
        }
    })
}

/// Writes the declaration of a field or variable of type `id` (options: its name, the indent
/// of inline definitions, whether to strip modifiers). A NULL `field_name` declares no name
/// (libbpf 1.7 crashes on it). 0, or -EINVAL for invalid options, -E2BIG past the dumper's
/// bound (as for `btf_dump__dump_type`).
///
/// # Safety
/// `d` is NULL or a live dumper whose BTF is still alive; `opts` is NULL or readable for its
/// `sz`, its `field_name` NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_dump__emit_type_decl(
    d: *mut btf_dump,
    id: __u32,
    opts: *const btf_dump_emit_type_decl_opts,
) -> c_int {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts, DECL_OPTS_KNOWN_LEN) } {
        Ok(opts) => opts,
        Err(errno) => return fail_errno(errno),
    };
    // SAFETY: caller contract.
    let Some(dump) = (unsafe { d.as_mut() }) else {
        return fail_errno(EINVAL);
    };
    // A field is read only when the caller's `sz` covers it (libbpf's OPTS_GET).
    let covers = |end: usize| opts.is_some_and(|o| o.sz >= end);
    let name_end = std::mem::offset_of!(btf_dump_emit_type_decl_opts, field_name)
        + std::mem::size_of::<usize>();
    let level_end = std::mem::offset_of!(btf_dump_emit_type_decl_opts, indent_level)
        + std::mem::size_of::<c_int>();
    let name_ptr = if covers(name_end) {
        opts.map_or(std::ptr::null(), |o| o.field_name)
    } else {
        std::ptr::null()
    };
    // SAFETY: NULL or a C string (caller contract).
    let name = unsafe { c_bytes(name_ptr) }.unwrap_or(b"").to_vec();
    let level = if covers(level_end) {
        opts.map_or(0, |o| o.indent_level.max(0) as usize)
    } else {
        0
    };
    let strip = covers(DECL_OPTS_KNOWN_LEN) && opts.is_some_and(|o| o.strip_mods);
    guard(-libc::EFAULT, || {
        // SAFETY: caller contract: the BTF outlives the dumper.
        match unsafe { dump.with_dump(|c| c.emit_type_decl(id, &name, level, strip)) } {
            Some(Ok(())) => 0,
            Some(Err(e)) => fail(&e),
            None => fail_errno(libc::EFAULT),
        }
    })
}

/// Writes `data_sz` bytes at `data`, a value of type `id`, as a C initializer. Returns the bytes
/// the type spans, or -E2BIG when a base type runs past the data (the text up to there is
/// written), -ENOENT for an unknown id, -ENOTSUP for a type that holds no data, -EINVAL for
/// invalid options (or NULL data with a size).
///
/// # Safety
/// `d` is NULL or a live dumper whose BTF is still alive; `data` is NULL or readable for
/// `data_sz` bytes; `opts` is NULL or readable for its `sz`, its `indent_str` NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_dump__dump_type_data(
    d: *mut btf_dump,
    id: __u32,
    data: *const c_void,
    data_sz: usize,
    opts: *const btf_dump_type_data_opts,
) -> c_int {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts, DATA_OPTS_KNOWN_LEN) } {
        Ok(opts) => opts,
        Err(errno) => return fail_errno(errno),
    };
    // SAFETY: caller contract.
    let Some(dump) = (unsafe { d.as_mut() }) else {
        return fail_errno(EINVAL);
    };
    let bytes: &[u8] = if data_sz == 0 {
        &[]
    } else if data.is_null() {
        return fail_errno(EINVAL);
    } else {
        // SAFETY: caller contract: `data_sz` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), data_sz) }
    };
    // A field is read only when the caller's `sz` covers it (libbpf's OPTS_GET).
    let covers = |end: usize| opts.is_some_and(|o| o.sz >= end);
    let end_of = |offset: usize, size: usize| offset + size;
    let mut options = DataOptions::default();
    if let Some(o) = opts {
        use std::mem::{offset_of, size_of};
        if covers(end_of(
            offset_of!(btf_dump_type_data_opts, indent_str),
            size_of::<usize>(),
        )) {
            // SAFETY: NULL or a C string (caller contract).
            if let Some(s) = unsafe { c_bytes(o.indent_str) } {
                options.indent_str = s.to_vec();
            }
        }
        if covers(end_of(
            offset_of!(btf_dump_type_data_opts, indent_level),
            size_of::<c_int>(),
        )) {
            options.indent_level = usize::from(o.indent_level as u8);
        }
        let flag = |offset: usize, value: bool| covers(end_of(offset, 1)) && value;
        options.compact = flag(offset_of!(btf_dump_type_data_opts, compact), o.compact);
        options.skip_names = flag(
            offset_of!(btf_dump_type_data_opts, skip_names),
            o.skip_names,
        );
        options.emit_zeroes = flag(
            offset_of!(btf_dump_type_data_opts, emit_zeroes),
            o.emit_zeroes,
        );
        options.emit_strings = flag(
            offset_of!(btf_dump_type_data_opts, emit_strings),
            o.emit_strings,
        );
    }
    guard(-libc::EFAULT, || {
        // SAFETY: caller contract: the BTF outlives the dumper.
        match unsafe { dump.with_dump(|c| c.dump_type_data(id, bytes, &options)) } {
            Some(Ok(size)) => c_int::try_from(size).unwrap_or(c_int::MAX),
            Some(Err(e)) => fail(&e),
            None => fail_errno(libc::EFAULT),
        }
    })
}
